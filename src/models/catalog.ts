import { imageReference } from './dashscope/image-reference.js';
import { videoEdit } from './dashscope/video-edit.js';
import { videoExtension } from './dashscope/video-extension.js';
import { videoOutpainting } from './dashscope/video-outpainting.js';
import { videoRepainting } from './dashscope/video-repainting.js';
import { compare } from './local/compare.js';
import { concat } from './local/concat.js';
import { extractFrame } from './local/extract-frame.js';
import { mask } from './local/mask.js';
import { transcode } from './local/transcode.js';
import { trim } from './local/trim.js';
import type { AnyModel } from './types.js';
import { voidVideoInpaintingMask } from './wavespeed/void-video-inpainting-mask.js';

/** Every model, in the order of DESIGN.md's table; listings and generated docs keep this order. */
export const MODELS: readonly AnyModel[] = [
  voidVideoInpaintingMask,
  imageReference,
  videoRepainting,
  videoEdit,
  videoExtension,
  videoOutpainting,
  trim,
  concat,
  transcode,
  extractFrame,
  mask,
  compare,
];

const BY_ID = new Map(MODELS.map((m) => [m.id, m]));

export const MODEL_IDS: readonly string[] = MODELS.map((m) => m.id);

export function findModel(id: string): AnyModel | undefined {
  return BY_ID.get(id);
}
