import { z } from 'zod';
import { media } from '../param.js';
import { localStep } from './define.js';

const params = z.strictObject({
  video: media('video', 'Video to take the frame from.'),
  at: z
    .union([z.enum(['first', 'last']), z.number().min(0)])
    .default('first')
    .describe('Which frame: first, last, or a time in seconds from the beginning.'),
});

export const extractFrame = localStep({
  id: 'local/extract-frame',
  title: 'Extract frame',
  summary: 'Saves one frame of a video as an image, e.g. the last frame to feed a VACE extension.',
  params,
  outputs: { image: 'image' },
});
