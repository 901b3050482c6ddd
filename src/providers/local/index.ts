import type { LocalExecutor } from '../types.js';
import { compare } from './compare.js';
import { concat } from './concat.js';
import { extractFrame } from './extract-frame.js';
import { mask } from './mask.js';
import { transcode } from './transcode.js';
import { trim } from './trim.js';
import { voidRemoval } from './void-removal.js';

/** The executors of the local glue steps, by model id. */
export const localExecutors: Readonly<Record<string, LocalExecutor>> = {
  'local/trim': trim,
  'local/concat': concat,
  'local/transcode': transcode,
  'local/extract-frame': extractFrame,
  'local/mask': mask,
  'local/compare': compare,
  'wavespeed-ai/void-video-inpainting/mask': voidRemoval,
};
