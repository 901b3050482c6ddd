import type { ModelExecutor } from '../types.js';
import { compare } from './compare.js';
import { concat } from './concat.js';
import { extractFrame } from './extract-frame.js';
import { mask } from './mask.js';
import { transcode } from './transcode.js';
import { trim } from './trim.js';
import { vaceExtension } from './vace-extension.js';
import { vaceOutpainting } from './vace-outpainting.js';
import { voidRemoval } from './void-removal.js';

/**
 * The executors of the local glue steps and of the remote models' offline previews, by model id: a literal
 * table, which scripts/source-digests.js reads to know each implementation's file.
 */
export const localExecutors: Readonly<Record<string, ModelExecutor>> = {
  'local/trim': trim,
  'local/concat': concat,
  'local/transcode': transcode,
  'local/extract-frame': extractFrame,
  'local/mask': mask,
  'local/compare': compare,
  'alibaba/wan2.1-vace-plus/video_outpainting': vaceOutpainting,
  'alibaba/wan2.1-vace-plus/video_extension': vaceExtension,
  'wavespeed-ai/void-video-inpainting/mask': voidRemoval,
};
