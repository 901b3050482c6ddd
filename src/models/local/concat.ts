import { z } from 'zod';
import { media } from '../param.js';
import { localStep } from './define.js';

const params = z.strictObject({
  videos: z.array(media('video', 'A video to append.')).min(2).describe('Videos to join, in playing order.'),
});

export const concat = localStep({
  id: 'local/concat',
  title: 'Concatenate',
  summary: 'Joins videos end to end into one MP4.',
  params,
  outputs: { video: 'video' },
});
