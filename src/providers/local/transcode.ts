import { join } from 'node:path';
import type { z } from 'zod';
import { runFfmpeg } from '../../media/ffmpeg.js';
import { AAC_OUTPUT, H264_OUTPUT, even } from '../../media/h264.js';
import { probe } from '../../media/probe.js';
import { transcode as transcodeModel } from '../../models/local/transcode.js';
import { localExecutor, type ExecContext } from '../types.js';
import { ffmpegProgress } from './progress.js';

type TranscodeParams = z.output<typeof transcodeModel.params>;

/** Re-encodes to MP4 H.264 yuv420p, optionally resized, at another frame rate or cut to a maximum length. */
export const transcode = localExecutor(transcodeModel, async (ctx) => {
  const params = ctx.params;
  const info = await probe(params.video, { signal: ctx.signal });
  const filters = [...sizeFilters(params, ctx), ...(params.fps ? [`fps=${params.fps}`] : [])];
  const length = params.max_duration !== undefined ? Math.min(params.max_duration, info.duration) : info.duration;
  const out = join(ctx.workDir, 'video.mp4');
  await runFfmpeg(
    [
      '-i', params.video,
      '-map', '0:v:0', '-map', '0:a:0?',
      '-vf', filters.join(','),
      ...(params.max_duration !== undefined ? ['-t', params.max_duration.toFixed(6)] : []),
      ...H264_OUTPUT, ...AAC_OUTPUT, out,
    ],
    { signal: ctx.signal, file: params.video, expectedSec: length, onProgress: ffmpegProgress(ctx) },
  );
  return { outputs: { video: out } };
});

function sizeFilters(params: TranscodeParams, ctx: ExecContext): string[] {
  const width = params.width !== undefined ? evenOrWarn('width', params.width, ctx) : undefined;
  const height = params.height !== undefined ? evenOrWarn('height', params.height, ctx) : undefined;
  if (width !== undefined && height !== undefined) {
    const box = `${width}:${height}`;
    switch (params.fit) {
      case 'contain':
        return [`scale=${box}:force_original_aspect_ratio=decrease`, `pad=${box}:(ow-iw)/2:(oh-ih)/2`, 'setsar=1'];
      case 'cover':
        return [`scale=${box}:force_original_aspect_ratio=increase`, `crop=${box}`, 'setsar=1'];
      case 'stretch':
        return [`scale=${box}`, 'setsar=1'];
    }
  }
  // -2: follow the aspect ratio, rounded to an even number.
  if (width !== undefined) return [`scale=${width}:-2`];
  if (height !== undefined) return [`scale=-2:${height}`];
  // Unchanged size, except that an odd one loses a pixel row/column (H.264 in yuv420p cannot store it).
  return ['scale=trunc(iw/2)*2:trunc(ih/2)*2'];
}

function evenOrWarn(name: 'width' | 'height', value: number, ctx: ExecContext): number {
  const rounded = even(value);
  if (rounded !== value) ctx.warn(`${name} ${value} is odd; H.264 (yuv420p) needs even sizes, so the output is ${rounded} px ${name === 'width' ? 'wide' : 'high'}`);
  return rounded;
}
