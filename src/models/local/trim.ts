import { z } from 'zod';
import { given, media } from '../param.js';
import type { ParamIssue } from '../types.js';
import { localStep } from './define.js';

// A zero-length cut cannot be encoded, so lengths must be positive while positions may be 0.
const params = z.strictObject({
  video: media('video', 'Video to cut.'),
  start: z.number().min(0).default(0).describe('Where the kept part starts, in seconds from the beginning.'),
  end: z.number().min(0).describe('Where the kept part ends, in seconds from the beginning. Excludes duration.').optional(),
  duration: z.number().positive().describe('How many seconds to keep from start. Excludes end.').optional(),
  last: z.number().positive().describe('Keep only the last N seconds. Excludes start, end and duration.').optional(),
});

export const trim = localStep({
  id: 'local/trim',
  title: 'Trim',
  summary: 'Keeps part of a video: from start to end, start plus duration, or the last N seconds.',
  params,
  outputs: { video: 'video' },
  rules: [
    {
      description: 'Give at least one of start, end, duration and last.',
      check: (p) =>
        ['start', 'end', 'duration', 'last'].some((k) => given(p[k]))
          ? []
          : [{ path: [], rule: 'required-one-of', message: 'trim needs to know what to keep; add end, duration, last or start' }],
    },
    {
      description: 'last keeps the end of the video and cannot be combined with start, end or duration.',
      check: (p) =>
        given(p.last)
          ? (['start', 'end', 'duration'] as const)
              .filter((k) => given(p[k]))
              .map((k): ParamIssue => ({ path: [k], rule: 'last-excludes-range', message: `${k} cannot be combined with last; remove ${k}, or replace last with start/end/duration` }))
          : [],
    },
    {
      description: 'Give end or duration, not both.',
      check: (p) =>
        given(p.end) && given(p.duration)
          ? [{ path: ['duration'], rule: 'end-or-duration', message: 'end and duration both say where the cut stops; remove one of them' }]
          : [],
    },
    {
      description: 'end must be after start.',
      check: (p) => {
        const start = given(p.start) ? p.start : 0;
        return typeof p.end === 'number' && typeof start === 'number' && p.end <= start
          ? [{ path: ['end'], rule: 'end-after-start', message: `end (${p.end} s) must be after start (${start} s); raise end or use duration` }]
          : [];
      },
    },
  ],
});
