import { join } from 'node:path';
import type { z } from 'zod';
import { probe } from '../../media/probe.js';
import { type RemovalStats, removeObject } from '../../media/remove-object.js';
import type { MediaInfo } from '../../media/types.js';
import { voidVideoInpaintingMask as voidModel } from '../../models/wavespeed/void-video-inpainting-mask.js';
import { localExecutor, PermanentError, type ExecContext } from '../types.js';

type VoidParams = z.output<typeof voidModel.params>;

/** The model's defaults: a value other than these is a choice the local removal cannot honour. */
const DEFAULTS: Partial<Record<keyof VoidParams, unknown>> = {
  enable_pass2_refinement: false,
  num_inference_steps: 30,
  guidance_scale: 1,
  strength: 1,
  num_frames: 85,
};
const TUNING: readonly (keyof VoidParams)[] = ['negative_prompt', 'enable_pass2_refinement', 'num_inference_steps', 'guidance_scale', 'strength', 'num_frames', 'seed'];

/**
 * VOID object removal, offline: a classical preview (src/media/remove-object.ts) that fills the masked object
 * with the background other frames show, and with texture synthesized from the surroundings where none does
 * (it then warns how much that is). It removes what the mask covers and nothing else: no shadows or
 * reflections outside the mask, no generation from the prompt.
 */
export const voidRemoval = localExecutor(voidModel, async (ctx) => {
  const params = ctx.params;
  const { signal } = ctx;
  if (!params.mask_video) {
    throw new PermanentError('the local removal needs a mask_video; mask_prompt (SAM-3 auto-masking) only runs on WaveSpeed');
  }
  const [video, mask] = await Promise.all([probe(params.video, { signal }), probe(params.mask_video, { signal })]);
  checkInputs(video, mask);
  warnIgnored(params, ctx);
  const out = join(ctx.workDir, 'video.mp4');
  const stats = await removeObject({
    video: params.video,
    mask: params.mask_video,
    output: out,
    width: video.width,
    height: video.height,
    fps: video.fps || 25,
    frames: video.frames,
    audioFrom: video.hasAudio ? { file: params.video, audioCodec: video.audioCodec } : undefined,
    signal,
    onProgress: (fraction) => ctx.progress({ state: 'running', fraction }),
  });
  if (stats.neverSeenPixels) ctx.warn(neverSeenNote(stats));
  return { outputs: { video: out } };
});

function checkInputs(video: MediaInfo, mask: MediaInfo): void {
  if (video.width % 2 || video.height % 2) {
    throw new PermanentError(
      `video ${video.file} is ${video.width}x${video.height}; the output is H.264 (yuv420p), which needs an even width and height. ` +
        'Resize it first with a local/transcode step.',
    );
  }
  if (mask.width !== video.width || mask.height !== video.height) {
    throw new PermanentError(
      `mask_video ${mask.file} is ${mask.width}x${mask.height} but video ${video.file} is ${video.width}x${video.height}; ` +
        `they must match pixel for pixel. Resize the mask with a local/transcode step (width: ${video.width}, height: ${video.height}, fit: stretch).`,
    );
  }
  if (mask.frames !== video.frames) {
    throw new PermanentError(
      `mask_video ${mask.file} has ${mask.frames} frames but video ${video.file} has ${video.frames}; the mask needs one frame per video frame. ` +
        (mask.frames > video.frames
          ? 'Cut the mask to the video with a local/trim step.'
          : 'Cut the video to the mask with a local/trim step, or make the mask at the video\'s frame rate with local/transcode (fps).'),
    );
  }
}

/** Where the preview guesses: a reviewer should know how much of the removed region no frame showed. */
export function neverSeenNote(stats: Pick<RemovalStats, 'neededPixels' | 'neverSeenPixels'>): string {
  const percent = (100 * stats.neverSeenPixels) / stats.neededPixels;
  // Never "0 %" for some, nor "100 %" for not all.
  const share = percent < 1 ? 'under 1 %' : percent > 99 && percent < 100 ? 'over 99 %' : `${Math.round(percent)} %`;
  return `${share} of the background behind the removed object is never visible in any frame; there the preview shows texture synthesized from the surroundings, a guess`;
}

function warnIgnored(params: VoidParams, ctx: ExecContext): void {
  const set = TUNING.filter((name) => params[name] !== undefined && params[name] !== DEFAULTS[name]);
  if (set.length) {
    ctx.warn(`the local removal is a classical preview and does not use ${set.join(', ')} (nor the prompt); run on WaveSpeed for the model's result`);
  }
}
