import { z } from 'zod';
import { half, media } from '../param.js';
import { duration, prompt, promptExtend, seed, vaceFunction, VIDEO_LIMIT, VIDEO_LIMITS, watermark } from './vace-common.js';

function scale(side: string) {
  return half(
    'parameters',
    z.number().min(1).max(2).default(1).describe(`Expansion ${side}, from 1.0 (none) to 2.0. Per the docs, left_scale 1.5 widens the left side of the frame to 1.5 times its original width.`),
  );
}

const params = z.strictObject({
  prompt: prompt('What the widened frame shows.'),
  video_url: half('input', media('video', `Input video to expand. ${VIDEO_LIMITS}. The output keeps its length.`)),
  top_scale: scale('upward'),
  bottom_scale: scale('downward'),
  left_scale: scale('to the left'),
  right_scale: scale('to the right'),
  duration,
  prompt_extend: promptExtend(true),
  seed,
  watermark,
});

export const videoOutpainting = vaceFunction({
  id: 'alibaba/wan2.1-vace-plus/video_outpainting',
  title: 'Wan2.1-VACE frame expansion (outpainting)',
  summary: 'Widens a video’s frame upward, downward, left or right, generating content that blends with the original.',
  params,
  limits: { params: { video_url: VIDEO_LIMIT } },
  local: {
    // A classical fill (blurred or mirrored borders) honours the scales but generates nothing from text.
    ignores: ['prompt', 'prompt_extend', 'seed', 'watermark'],
  },
});
