import { rm, stat } from 'node:fs/promises';
import { runFfmpeg } from './ffmpeg.js';
import { probe } from './probe.js';
import { MediaError, type MediaInfo } from './types.js';

/** Which frame: the first, the last, or the one shown at a time in seconds. */
export type FrameAt = 'first' | 'last' | number;

export interface ExtractFrameOptions {
  signal?: AbortSignal;
  /** Scale down (keeping the aspect ratio) when the frame is wider than this, e.g. for a report thumbnail. */
  maxWidth?: number;
  /** The video's probe, when the caller has it already. */
  info?: MediaInfo;
}

/** Saves one frame of a video (or an image) as a PNG. */
export async function extractFrame(video: string, at: FrameAt, outPng: string, options: ExtractFrameOptions = {}): Promise<void> {
  const { signal } = options;
  const info = options.info ?? (await probe(video, { signal }));
  await rm(outPng, { force: true });
  const output = [
    '-map', '0:v:0', ...thumbnail(info, options.maxWidth),
    '-frames:v', '1', '-f', 'image2', '-c:v', 'png', outPng,
  ];
  const once = (seekSec?: number): Promise<void> =>
    runFfmpeg([...(seekSec ? ['-ss', seekSec.toFixed(6)] : []), '-i', video, ...output], { signal, file: video });

  if (info.kind === 'image') {
    if (typeof at === 'number' && at > 0) throw new MediaError(`cannot take the frame at ${at} s of ${video}: it is a still image`, video);
    return once();
  }
  if (at === 'first' || at === 0) return once();
  if (at === 'last') return lastFrame(video, info, outPng, options);

  // Half a frame of slack: a time printed with a few decimals may land a hair past the end.
  const slack = info.fps > 0 ? 0.5 / info.fps : 0.001;
  if (at > info.duration + slack) {
    throw new MediaError(`cannot take the frame at ${at} s of ${video}: the video is only ${info.duration.toFixed(3)} s long`, video);
  }
  if (!(info.fps > 0) || at >= info.duration - 1 / info.fps) return lastFrame(video, info, outPng, options);
  // The frame shown at `at` is the one that started at or before it. An input-side -ss decodes from the previous
  // keyframe and drops frames before the seek point, so aim a quarter frame before that frame's start to keep
  // it despite rounding of the timestamps.
  const index = Math.floor(at * info.fps + 1e-6);
  await once(Math.max(0, (index - 0.25) / info.fps));
  if (!(await exists(outPng))) await lastFrame(video, info, outPng, options);
}

/**
 * The exact last frame. Seeking to "duration − 1 frame" is only approximate (rounded durations, variable
 * frame rates, a container duration stretched by audio), so decode the final half second and let the image2
 * muxer overwrite the file with every frame (-update 1): what remains is the last one decoded. If that window
 * held no frame at all, the video is read from the start.
 */
async function lastFrame(video: string, info: MediaInfo, outPng: string, options: ExtractFrameOptions): Promise<void> {
  const { signal } = options;
  const tail = (fromSec: number): Promise<void> =>
    runFfmpeg(
      [...(fromSec > 0 ? ['-ss', fromSec.toFixed(6)] : []), '-i', video, '-map', '0:v:0', ...thumbnail(info, options.maxWidth), '-vsync', 'passthrough', '-f', 'image2', '-update', '1', '-c:v', 'png', outPng],
      { signal, file: video },
    );
  await rm(outPng, { force: true });
  // Every frame in the window is PNG-encoded, so keep it short; a window that misses the end only costs a re-read.
  const window = info.fps > 0 ? Math.max(0.5, 4 / info.fps) : 1;
  await tail(Math.max(0, info.duration - window));
  if (!(await exists(outPng))) await tail(0);
  if (!(await exists(outPng))) throw new MediaError(`${video} has no frame to extract`, video);
}

function thumbnail(info: MediaInfo, maxWidth: number | undefined): string[] {
  return maxWidth && info.width > maxWidth ? ['-vf', `scale=${Math.max(1, Math.round(maxWidth))}:-1`] : [];
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}
