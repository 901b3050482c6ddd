import { z } from 'zod';
import { half, media } from '../param.js';
import { roundUsd } from '../price.js';
import type { MediaLimit, ModelDef, PriceEstimate } from '../types.js';

/** The five functions share one reference page; each model file covers one `input.function`. */
export const VACE_SOURCE = 'https://www.alibabacloud.com/help/en/model-studio/wanx-vace-api-reference';

/** Documented input limits, repeated in every URL field so `vidrecipe models ID` shows them where they apply. */
export const IMAGE_LIMITS = 'JPG, JPEG, PNG, BMP, TIFF or WEBP; width and height each 360–2000 px; at most 10 MB';
export const VIDEO_LIMITS = 'MP4, at least 16 fps, at most 50 MB, at most 5 s, longer input being cut to the first 5 s';

const MB = 1024 * 1024;
/** The documented limits of `video_url`, clips and images, as data for the pre-flight check. */
export const VIDEO_LIMIT: MediaLimit = { mp4: true, maxSeconds: 5, minFps: 16, maxBytes: 50 * MB };
export const CLIP_LIMIT: MediaLimit = { mp4: true, maxSeconds: 3, minFps: 16, maxBytes: 50 * MB };
export const IMAGE_LIMIT: MediaLimit = { minSide: 360, maxSide: 2000, maxBytes: 10 * MB };

export const CONTROL_CONDITIONS = {
  posebodyface: 'posebodyface = facial expression and body pose',
  posebody: 'posebody = body pose only',
  depth: 'depth = composition and motion contours',
  scribble: 'scribble = line-art structure',
} as const;
type ControlCondition = keyof typeof CONTROL_CONDITIONS;

/** The provider truncates silently beyond 800 characters; rejecting here keeps the cut visible in review. */
export function prompt(description: string) {
  return half('input', z.string().min(1).max(800).describe(`${description} Chinese or English, at most 800 characters (the provider would truncate longer text).`));
}

/** `advise` adds the docs' advice to turn rewriting off for functions that must follow the input video. */
export function promptExtend(advise: boolean) {
  const advice = advise ? ' The docs recommend false for this function, with a clear, specific scene description in the prompt.' : '';
  return half('parameters', z.boolean().default(true).describe(`Let the model rewrite the prompt before generating.${advice}`));
}

export const seed = half('parameters', z.number().int().min(0).max(2147483647).describe('Random seed for reproducible results; random when omitted.').optional());

export const watermark = half('parameters', z.boolean().default(false).describe('Add an "AI生成" mark in the bottom-right corner.'));

export const duration = half('parameters', z.literal(5).default(5).describe('Output duration in seconds; fixed at 5 by the provider.'));

export const size = half(
  'parameters',
  z
    .enum(['1280*720', '720*1280', '960*960', '832*1088', '1088*832'])
    .default('1280*720')
    .describe('Output resolution as width*height: 1280*720 (16:9), 720*1280 (9:16), 960*960 (1:1), 832*1088 (3:4) or 1088*832 (4:3).'),
);

/** Functions allow different subsets, and repainting requires the field while the others do not. */
export function controlCondition<const V extends readonly [ControlCondition, ...ControlCondition[]]>(values: V, note: string) {
  const meanings = values.map((v) => CONTROL_CONDITIONS[v]).join('; ');
  return z.enum(values).describe(`What to keep from the input video: ${meanings}. ${note}`);
}

/** An array of reference images; repainting and edit take exactly one, image_reference up to three. */
export function refImages(max: number, description: string) {
  return z.array(media('image', `Reference image (${IMAGE_LIMITS}).`)).min(1).max(max).describe(description);
}

/**
 * Billing is per output second. image_reference and extension always produce 5 s; repainting, edit and
 * outpainting produce the input's length capped at 5 s, so $0.50 is the ceiling a budget check wants.
 */
const VACE_PRICING = '$0.10 per output second (Singapore wan2.1-vace-plus; Beijing wanx2.1-vace-plus $0.100347/s); every call returns up to 5 s, estimated at 5 s = $0.50. Failed calls are free.';

function vacePrice(): PriceEstimate {
  return {
    usd: roundUsd(0.1 * 5),
    basis: '$0.10 per output second × 5 s (wan2.1-vace-plus, Singapore; wanx2.1-vace-plus in Beijing is $0.100347/s)',
  };
}

type VaceSpec<P extends z.ZodObject> = Pick<ModelDef<P>, 'id' | 'title' | 'summary' | 'params'> & Partial<Pick<ModelDef<P>, 'rules' | 'local' | 'specVersion' | 'limits'>>;

/** One `input.function` of wan2.1-vace-plus: hosted on DashScope, one video out, priced per output second. */
export function vaceFunction<P extends z.ZodObject>(spec: VaceSpec<P>): ModelDef<P> {
  return {
    provider: 'dashscope',
    specVersion: 1,
    source: VACE_SOURCE,
    outputs: { video: 'video' },
    rules: [],
    pricing: VACE_PRICING,
    price: vacePrice,
    ...spec,
  };
}
