import { z } from 'zod';
import { media } from '../param.js';
import { localStep } from './define.js';

const params = z.strictObject({
  videos: z.array(media('video', 'A video to compare.')).min(2).max(16).describe('Videos to show together, in order.'),
  labels: z.array(z.string()).describe('A caption per video, in the same order as videos.').optional(),
  layout: z.enum(['hstack', 'vstack', 'grid']).default('hstack').describe('hstack = side by side, vstack = one above the other, grid = rows and columns.'),
});

export const compare = localStep({
  id: 'local/compare',
  title: 'Compare',
  summary: 'Plays videos side by side (or stacked, or in a grid) in one video, optionally captioned, for review.',
  params,
  outputs: { video: 'video' },
  rules: [
    {
      description: 'labels has one entry per video.',
      check: (p) =>
        Array.isArray(p.labels) && Array.isArray(p.videos) && p.labels.length !== p.videos.length
          ? [{ path: ['labels'], rule: 'labels-match-videos', message: `labels has ${p.labels.length} entries but videos has ${p.videos.length}; give one label per video, in the same order` }]
          : [],
    },
  ],
});
