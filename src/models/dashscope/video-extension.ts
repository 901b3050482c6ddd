import { z } from 'zod';
import { given, half, media } from '../param.js';
import { CLIP_LIMIT, controlCondition, duration, IMAGE_LIMIT, IMAGE_LIMITS, prompt, promptExtend, seed, vaceFunction, VIDEO_LIMIT, watermark } from './vace-common.js';

const CLIP_LIMITS = 'MP4, at least 16 fps, at most 50 MB, at most 3 s; with both clips, the same frame rate and at most 3 s together';

const params = z.strictObject({
  prompt: prompt('What the extended content shows.'),
  first_frame_url: half('input', media('image', `First frame: the video continues forward from this image (${IMAGE_LIMITS}).`).optional()),
  last_frame_url: half('input', media('image', `Last frame: the video is generated leading up to this image (${IMAGE_LIMITS}).`).optional()),
  first_clip_url: half('input', media('video', `Opening clip: the model generates what follows it (${CLIP_LIMITS}). The output is 5 s in total, clip included.`).optional()),
  last_clip_url: half('input', media('video', `Closing clip: the model generates what precedes it (${CLIP_LIMITS}). The output is 5 s in total, clip included.`).optional()),
  video_url: half(
    'input',
    media('video', 'Motion reference: MP4, at least 16 fps, frame rate and resolution matching the frames or clips, at most 50 MB and 5 s. Needs control_condition.').optional(),
  ),
  control_condition: half('parameters', controlCondition(['posebodyface', 'depth'], 'Required when video_url is given.').optional()),
  duration,
  prompt_extend: promptExtend(true),
  seed,
  watermark,
});

const ANCHORS = ['first_frame_url', 'last_frame_url', 'first_clip_url', 'last_clip_url'] as const;

export const videoExtension = vaceFunction({
  id: 'alibaba/wan2.1-vace-plus/video_extension',
  title: 'Wan2.1-VACE video extension',
  summary: 'Generates a 5 s video that continues from a first frame or clip, or leads up to a last frame or clip.',
  params,
  limits: {
    params: { first_frame_url: IMAGE_LIMIT, last_frame_url: IMAGE_LIMIT, first_clip_url: CLIP_LIMIT, last_clip_url: CLIP_LIMIT, video_url: VIDEO_LIMIT },
    together: { params: ['first_clip_url', 'last_clip_url'], maxSeconds: 3 },
  },
  rules: [
    {
      description: 'Give at least one of first_frame_url, last_frame_url, first_clip_url and last_clip_url.',
      check: (p) =>
        ANCHORS.some((k) => given(p[k]))
          ? []
          : [{ path: [], rule: 'required-one-of', message: 'video_extension needs something to extend; add first_clip_url, last_clip_url, first_frame_url or last_frame_url' }],
    },
    {
      description: 'control_condition is required when video_url (motion reference) is given.',
      check: (p) =>
        given(p.video_url) && !given(p.control_condition)
          ? [{ path: ['control_condition'], rule: 'control-condition-required', message: 'video_url is a motion reference and needs control_condition; add control_condition: posebodyface or depth, or remove video_url' }]
          : [],
    },
  ],
  local: {
    // A classical extension holds or continues the given frames and clips; it cannot follow text or a motion reference.
    ignores: ['prompt', 'prompt_extend', 'seed', 'watermark', 'video_url', 'control_condition'],
  },
});
