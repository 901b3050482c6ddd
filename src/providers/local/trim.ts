import { join } from 'node:path';
import type { z } from 'zod';
import { runFfmpeg } from '../../media/ffmpeg.js';
import { AAC_OUTPUT, H264_OUTPUT, even } from '../../media/h264.js';
import { checkMediaKind, kindFix } from '../../media/media-kind.js';
import { probe } from '../../media/probe.js';
import { MediaError, type MediaInfo } from '../../media/types.js';
import { trim as trimModel } from '../../models/local/trim.js';
import { localExecutor } from '../types.js';
import { ffmpegProgress } from './progress.js';

type TrimParams = z.output<typeof trimModel.params>;

/** Keeps [start, start + length) of the video, re-encoded so the cut falls on the exact frame. */
export const trim = localExecutor(trimModel, async (ctx) => {
  const params = ctx.params;
  // The CLI checked this before the step (checkStepMedia) and the answer is remembered; a library caller is checked here.
  const problem = await checkMediaKind(params.video, 'video', ctx.signal);
  if (problem) throw new MediaError(`${params.video} ${problem.message}: ${kindFix(problem, 'video')}`, params.video);
  const info = await probe(params.video, { signal: ctx.signal });
  const cut = cutOf(params, info);
  // H.264 in yuv420p cannot hold an odd size: the last column or row goes, and the warning says so.
  const crop = even(info.width) !== info.width || even(info.height) !== info.height;
  if (crop) ctx.warn(`${info.file} is ${info.width}×${info.height}; H.264 (yuv420p) needs even sizes, so the cut is ${even(info.width)}×${even(info.height)} (the last ${info.width % 2 ? 'column' : 'row'}${info.width % 2 && info.height % 2 ? ' and row' : ''} dropped)`);
  const out = join(ctx.workDir, 'video.mp4');
  // Input-side -ss with re-encoding decodes from the keyframe before `start` and drops the frames before it,
  // so the cut is frame-exact; stream copy could only cut at keyframes.
  await runFfmpeg(
    [
      '-ss', cut.start.toFixed(6), '-i', params.video, '-t', cut.length.toFixed(6), '-map', '0:v:0', '-map', '0:a:0?',
      ...(crop ? ['-vf', `crop=${even(info.width)}:${even(info.height)}:0:0`] : []),
      ...H264_OUTPUT, ...AAC_OUTPUT, out,
    ],
    { signal: ctx.signal, file: params.video, expectedSec: cut.length, onProgress: ffmpegProgress(ctx) },
  );
  return { outputs: { video: out } };
});

function cutOf(params: TrimParams, info: MediaInfo): { start: number; length: number } {
  const total = info.duration;
  const long = `${info.file} is ${total.toFixed(3)} s long`;
  // Durations are rounded in containers and in people's heads: allow half a frame past the end.
  const slack = info.fps > 0 ? 0.5 / info.fps : 0.001;
  let start: number;
  let end: number;
  if (params.last !== undefined) {
    if (params.last > total + slack) throw new MediaError(`cannot keep the last ${params.last} s: ${long}; use a smaller last`, info.file);
    start = Math.max(0, total - params.last);
    end = total;
  } else {
    start = params.start;
    if (start >= total) throw new MediaError(`cannot start the cut at ${start} s: ${long}; use a start below ${total.toFixed(3)}`, info.file);
    end = params.end ?? (params.duration !== undefined ? start + params.duration : total);
    if (end > total + slack) {
      const asked = params.end !== undefined ? `end at ${params.end} s` : `keep ${params.duration} s from ${start} s (until ${end} s)`;
      throw new MediaError(`cannot ${asked}: ${long}`, info.file);
    }
    end = Math.min(end, total);
  }
  // The cut keeps the frames that start in [start, end); a sliver between two frames keeps none.
  if (info.fps > 0 && Math.ceil(end * info.fps - 1e-6) - Math.ceil(start * info.fps - 1e-6) < 1) {
    throw new MediaError(`the cut from ${start} s to ${end} s holds no frame of ${info.file} (${info.fps} fps); make it at least ${(1 / info.fps).toFixed(3)} s long`, info.file);
  }
  return { start, length: end - start };
}
