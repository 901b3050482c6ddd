import { z } from 'zod';
import { media } from '../param.js';
import { FREE } from '../price.js';
import type { ModelDef } from '../types.js';

const params = z.strictObject({
  videos: z.array(media('video', 'A video to append.')).min(2).describe('Videos to join, in playing order.'),
});

export const concat: ModelDef<typeof params> = {
  id: 'local/concat',
  provider: 'local',
  title: 'Concatenate',
  summary: 'Joins videos end to end into one MP4.',
  specVersion: 1,
  params,
  outputs: { video: 'video' },
  rules: [],
  pricing: 'free: runs on this machine with ffmpeg',
  price: () => FREE,
};
