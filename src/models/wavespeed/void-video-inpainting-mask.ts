import { z } from 'zod';
import { given, media } from '../param.js';
import { roundUsd } from '../price.js';
import type { ModelDef } from '../types.js';

/** Valid temporal windows: 69, 77, 85 … 197 (CogVideoX-safe lengths, step 8). */
export const VOID_NUM_FRAMES = Array.from({ length: (197 - 69) / 8 + 1 }, (_, i) => 69 + 8 * i) as [number, ...number[]];

const params = z.strictObject({
  video: media('video', 'Input video containing the object to remove.'),
  prompt: z.string().min(1).describe('Text description of the desired background after object removal (describe the scene, not the removal).'),
  mask_video: media('video', 'Mask video: VOID quadmask (0 = object to remove, 63 = overlap, 127 = affected region, 255 = background to keep) or a binary mask (0 = remove, 255 = keep). Auto-generated from mask_prompt when omitted.').optional(),
  mask_prompt: z.string().min(1).describe('What to mask and remove; used to auto-generate the mask with SAM-3 when mask_video is not given.').optional(),
  enable_pass2_refinement: z.boolean().default(false).describe('Run Pass 2 warped-noise refinement for better temporal consistency. Slower; doubles the base price.'),
  negative_prompt: z.string().describe('What the inpainted output should avoid.').optional(),
  num_inference_steps: z.number().int().min(1).max(50).default(30).describe('Number of denoising steps. Higher = better quality, slower.'),
  guidance_scale: z.number().min(0).max(20).default(1).describe('Classifier-free guidance scale.'),
  strength: z.number().min(0).max(1).default(1).describe('Denoising strength (1 = full denoising).'),
  num_frames: z.literal(VOID_NUM_FRAMES).default(85).describe('Temporal window size: 69, 77, 85 … 197, in steps of 8.'),
  seed: z.number().int().min(0).max(2147483647).describe('Random seed for reproducible results.').optional(),
});

export const voidVideoInpaintingMask: ModelDef<typeof params> = {
  id: 'wavespeed-ai/void-video-inpainting/mask',
  provider: 'wavespeed',
  title: 'VOID video inpainting (object removal)',
  summary: 'Removes an object and the interactions it induces (shadows, reflections, physics) from a video, guided by a mask video or a mask prompt.',
  specVersion: 1,
  source: 'https://wavespeed.ai/models/wavespeed-ai/void-video-inpainting/mask',
  params,
  outputs: { video: 'video' },
  // VOID reads the mask frame by frame against the video: a different size or length misaligns it.
  limits: { params: {}, sameShape: [['video', 'mask_video']] },
  rules: [
    {
      description: 'Give mask_video or mask_prompt: one of them tells the model what to remove.',
      check: (p) =>
        given(p.mask_video) || given(p.mask_prompt)
          ? []
          : [{ path: [], rule: 'required-one-of', message: 'VOID needs mask_video or mask_prompt to know what to remove; add one of them' }],
    },
  ],
  pricing: '$0.05 per run; ×2 with enable_pass2_refinement; +$0.05 with a mask_video ($0.05 / $0.10 / $0.10 / $0.15).',
  price(p) {
    const base = p.enable_pass2_refinement ? 0.1 : 0.05;
    const mask = p.mask_video ? 0.05 : 0;
    return {
      usd: roundUsd(base + mask),
      basis: `$0.05 per run${p.enable_pass2_refinement ? ' ×2 with Pass 2' : ''}${mask ? ' + $0.05 with a mask video' : ''}`,
    };
  },
  local: {
    ignores: ['prompt', 'negative_prompt', 'enable_pass2_refinement', 'num_inference_steps', 'guidance_scale', 'strength', 'num_frames', 'seed'],
    settings: [
      {
        name: 'dilation',
        value: 3,
        unit: 'px',
        description:
          'The fill region is the mask (grey below 192) grown by this much, a square: segmentation masks are tight and H.264 smears an edge over a pixel or two. Outside the fill region every output frame is the decoded input frame, byte for byte, before the encode (a chroma sample is inside when any of its four pixels is).',
      },
      { name: 'feather', value: 2, unit: 'px', description: 'The outermost pixels of the fill region cross-fade between the fill and the frame, so no seam shows; within the dilation.' },
    ],
    refuse: (p) =>
      given(p.mask_video) ? undefined : 'the local removal needs a mask_video; mask_prompt (SAM-3 auto-masking) only runs on WaveSpeed',
  },
};

