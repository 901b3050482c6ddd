import { z } from 'zod';
import { given, half, media } from '../param.js';
import type { ParamIssue } from '../types.js';
import { controlCondition, duration, IMAGE_LIMIT, IMAGE_LIMITS, prompt, promptExtend, refImages, seed, size, vaceFunction, VIDEO_LIMIT, VIDEO_LIMITS, watermark } from './vace-common.js';

const params = z.strictObject({
  prompt: prompt('What the masked region should show (add, remove or change elements, or replace a subject or the background).'),
  video_url: half('input', media('video', `Input video to edit. ${VIDEO_LIMITS}.`)),
  ref_images_url: half('input', refImages(1, 'One reference image; the masked region is replaced with its content.').optional()),
  mask_image_url: half(
    'input',
    media('image', `Mask image for one frame: white [255,255,255] = edit, black [0,0,0] = keep (the opposite of VOID). Same resolution as video_url; ${IMAGE_LIMITS}. The model tracks the region through the video. Recommended over mask_video_url; give exactly one of the two.`).optional(),
  ),
  mask_video_url: half(
    'input',
    media('video', 'Mask video: white = edit, black = keep. Format, frame rate, resolution and length must match video_url exactly. Give exactly one of mask_image_url and mask_video_url.').optional(),
  ),
  mask_frame_id: half(
    'input',
    z.number().int().min(1).default(1).describe('Which frame mask_image_url shows, 1-based: 1 = the first frame, at most fps × duration + 1 (81 for 16 fps × 5 s). Only with mask_image_url.'),
  ),
  control_condition: half('parameters', controlCondition(['posebodyface', 'depth'], 'Omit for none.').optional()),
  mask_type: half(
    'parameters',
    z.enum(['tracking', 'fixed']).default('tracking').describe('tracking = the edit region follows the object; fixed = the region stays where the mask is. Only with mask_image_url.'),
  ),
  expand_ratio: half(
    'parameters',
    z.number().min(0).max(1).default(0.05).describe('How far the tracked region grows outward: lower fits the object tightly, higher covers more. Only when mask_type is tracking.'),
  ),
  expand_mode: half(
    'parameters',
    z.enum(['hull', 'bbox', 'original']).default('hull').describe('Shape of the tracked region: hull = enclosing polygon, bbox = rectangle, original = the mask’s own shape. Only when mask_type is tracking.'),
  ),
  size,
  duration,
  prompt_extend: promptExtend(true),
  seed,
  watermark,
});

export const videoEdit = vaceFunction({
  id: 'alibaba/wan2.1-vace-plus/video_edit',
  title: 'Wan2.1-VACE local editing',
  summary: 'Edits the masked region of a video from a prompt (add, remove, modify, replace a subject or the background); a mask image is tracked through the video.',
  params,
  limits: {
    params: { video_url: VIDEO_LIMIT, ref_images_url: IMAGE_LIMIT, mask_image_url: IMAGE_LIMIT, mask_video_url: VIDEO_LIMIT },
    sameShape: [
      ['video_url', 'mask_image_url'],
      ['video_url', 'mask_video_url'],
    ],
  },
  rules: [
    {
      description: 'Give exactly one of mask_image_url (recommended) and mask_video_url.',
      check: (p) => {
        if (given(p.mask_image_url) && given(p.mask_video_url))
          return [{ path: ['mask_video_url'], rule: 'mask-image-or-video', message: 'give only one of mask_image_url and mask_video_url; remove one of them' }];
        if (!given(p.mask_image_url) && !given(p.mask_video_url))
          return [{ path: [], rule: 'mask-image-or-video', message: 'video_edit needs a mask to know what to edit; add mask_image_url (recommended) or mask_video_url' }];
        return [];
      },
    },
    {
      description: 'mask_frame_id is used only with mask_image_url.',
      check: (p) =>
        given(p.mask_frame_id) && given(p.mask_video_url) && !given(p.mask_image_url)
          ? [{ path: ['mask_frame_id'], rule: 'mask-frame-id-needs-mask-image', message: 'mask_frame_id says which frame a mask image shows; remove it when using mask_video_url' }]
          : [],
    },
    {
      description: 'mask_type, expand_ratio and expand_mode shape how a mask image is tracked; they have no effect with mask_video_url.',
      check: (p) =>
        given(p.mask_video_url) && !given(p.mask_image_url)
          ? (['mask_type', 'expand_ratio', 'expand_mode'] as const)
              .filter((k) => given(p[k]))
              .map((k): ParamIssue => ({
                path: [k],
                rule: 'mask-image-options',
                severity: 'warning',
                message: `${k} only applies to mask_image_url and is ignored with mask_video_url; remove it`,
              }))
          : [],
    },
    {
      description: 'expand_ratio and expand_mode are used only when mask_type is tracking.',
      check: (p) =>
        p.mask_type === 'fixed'
          ? (['expand_ratio', 'expand_mode'] as const)
              .filter((k) => given(p[k]))
              .map((k): ParamIssue => ({
                path: [k],
                rule: 'expand-needs-tracking',
                message: `${k} only applies when mask_type is tracking; remove it or set mask_type: tracking`,
              }))
          : [],
    },
  ],
});
