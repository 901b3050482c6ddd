import { z } from 'zod';
import { media } from '../param.js';
import { localStep } from './define.js';

const params = z.strictObject({
  video: media('video', 'Video to re-encode.'),
  width: z.number().int().min(2).describe('Output width in pixels. With only one of width and height, the other follows the aspect ratio.').optional(),
  height: z.number().int().min(2).describe('Output height in pixels. With only one of width and height, the other follows the aspect ratio.').optional(),
  fit: z
    .enum(['contain', 'cover', 'stretch'])
    .default('contain')
    .describe('How the picture fits width × height when both are given: contain = scale to fit and pad, cover = scale to fill and crop, stretch = ignore the aspect ratio.'),
  fps: z.number().positive().max(240).describe('Output frame rate (VACE needs at least 16 fps).').optional(),
  max_duration: z.number().positive().describe('Cut the video after this many seconds (VACE inputs are at most 5 s).').optional(),
});

// No parameter is required: a bare transcode to MP4 (H.264) already makes any input acceptable to the providers.
export const transcode = localStep({
  id: 'local/transcode',
  title: 'Transcode',
  summary: 'Re-encodes a video to MP4 (H.264), optionally resizing it, changing its frame rate or capping its length.',
  params,
  outputs: { video: 'video' },
});
