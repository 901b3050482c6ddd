import { z } from 'zod';
import { half, media } from '../param.js';
import { controlCondition, IMAGE_LIMIT, prompt, promptExtend, refImages, seed, vaceFunction, VIDEO_LIMIT, VIDEO_LIMITS, watermark } from './vace-common.js';

const params = z.strictObject({
  prompt: prompt('The new video: it keeps the input’s pose, composition or sketch structure and takes its look from this text.'),
  video_url: half('input', media('video', `Input video whose motion and structure are kept. ${VIDEO_LIMITS}. The output keeps its length and resolution, scaled down to at most 720P.`)),
  ref_images_url: half('input', refImages(1, 'One reference image that replaces the subject of the input video.').optional()),
  control_condition: half(
    'parameters',
    controlCondition(['posebodyface', 'posebody', 'depth', 'scribble'], 'Required for repainting.'),
  ),
  strength: half(
    'parameters',
    z.number().min(0).max(1).default(1).describe('How strongly the control features are kept: higher stays closer to the input’s motion and composition, lower gives more creative freedom.'),
  ),
  prompt_extend: promptExtend(true),
  seed,
  watermark,
});

export const videoRepainting = vaceFunction({
  id: 'alibaba/wan2.1-vace-plus/video_repainting',
  title: 'Wan2.1-VACE video repainting',
  summary: 'Re-renders a video from a prompt while keeping its pose, depth or sketch structure; a reference image can replace the subject.',
  params,
  limits: { params: { video_url: VIDEO_LIMIT, ref_images_url: IMAGE_LIMIT } },
});
