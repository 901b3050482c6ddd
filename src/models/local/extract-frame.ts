import { z } from 'zod';
import { media } from '../param.js';
import { FREE } from '../price.js';
import type { ModelDef } from '../types.js';

const params = z.strictObject({
  video: media('video', 'Video to take the frame from.'),
  at: z
    .union([z.enum(['first', 'last']), z.number().min(0)])
    .default('first')
    .describe('Which frame: first, last, or a time in seconds from the beginning.'),
});

export const extractFrame: ModelDef<typeof params> = {
  id: 'local/extract-frame',
  provider: 'local',
  title: 'Extract frame',
  summary: 'Saves one frame of a video as an image, e.g. the last frame to feed a VACE extension.',
  specVersion: 1,
  params,
  outputs: { image: 'image' },
  rules: [],
  pricing: 'free: runs on this machine with ffmpeg',
  price: () => FREE,
};
