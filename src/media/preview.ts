import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { ffprobePath } from './binaries.js';
import { runFfmpeg } from './ffmpeg.js';
import { H264_OUTPUT, even } from './h264.js';
import { runProcess } from './process.js';
import type { MediaInfo } from './types.js';

/** A size in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** Frames in a strip: enough to see motion over the clip, few enough to stay readable in a PR. */
export const STRIP_FRAMES = 5;
/** The animated preview: a few seconds, small enough for a README or a PR comment. */
export const ANIMATION_SECONDS = 4;
export const ANIMATION_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The poster's size: its long side at least 640 px (a clip's own 320 px is too small to judge an edit
 * by), at most 1280, and a very wide picture (a side-by-side of several clips) tall enough to read.
 */
export function posterSize(width: number, height: number): Size {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  let target = Math.min(Math.max(long, 640), 1280);
  if ((short * target) / long < 240) target = Math.min(1920, Math.ceil((240 * long) / short));
  const scale = target / long;
  return { width: even(Math.max(2, Math.round(width * scale))), height: even(Math.max(2, Math.round(height * scale))) };
}

/** One frame of a strip: its long side 320 px, whatever the clip's size. */
function stripFrameSize(width: number, height: number): Size {
  const scale = 320 / Math.max(width, height);
  return { width: even(Math.max(2, Math.round(width * scale))), height: even(Math.max(2, Math.round(height * scale))) };
}

/** Frame indices spread evenly from the first to the last. */
export function stripIndices(frames: number, count = STRIP_FRAMES): number[] {
  if (frames <= 1) return [0];
  const n = Math.min(count, frames);
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (frames - 1)) / (n - 1))))];
}

/**
 * The poster (the middle frame, scaled up with lanczos to {@link posterSize}) and, for a video, a strip of
 * frames over time, in one decode. Both are PNGs written whole (temp file, then rename).
 */
export async function writePosterAndStrip(file: string, info: PreviewInfo, out: { poster: string; strip?: string }, signal?: AbortSignal): Promise<void> {
  const poster = posterSize(info.width, info.height);
  const scalePoster = `scale=${poster.width}:${poster.height}:flags=lanczos,setsar=1`;
  const tmpPoster = unique(out.poster, '.png');
  if (info.kind === 'image' || !out.strip) {
    const middle = info.kind === 'video' ? Math.floor(Math.max(0, info.frames - 1) / 2) : 0;
    await runFfmpeg(['-i', file, '-map', '0:v:0', '-vf', `select=eq(n\\,${middle}),${scalePoster}`, '-vsync', 'passthrough', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', tmpPoster], { signal, file });
    await settle(tmpPoster, out.poster, file);
    return;
  }
  const indices = stripIndices(info.frames);
  const middle = Math.floor(Math.max(0, info.frames - 1) / 2);
  const frame = stripFrameSize(info.width, info.height);
  const pick = indices.map((i) => `eq(n\\,${i})`).join('+');
  const tmpStrip = unique(out.strip, '.png');
  const graph =
    `[0:v]split[a][b];[a]select=eq(n\\,${middle}),${scalePoster}[poster];` +
    `[b]select=${pick},scale=${frame.width}:${frame.height}:flags=lanczos,setsar=1,tile=${indices.length}x1:padding=4:color=white[strip]`;
  await runFfmpeg(
    ['-i', file, '-filter_complex', graph, '-map', '[poster]', '-vsync', 'passthrough', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', tmpPoster, '-map', '[strip]', '-vsync', 'passthrough', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', tmpStrip],
    { signal, file },
  );
  await settle(tmpPoster, out.poster, file);
  await settle(tmpStrip, out.strip, file);
}

/** What the previews of a file need to know, from one ffprobe. */
export interface PreviewInfo extends Pick<MediaInfo, 'kind' | 'width' | 'height' | 'frames' | 'duration' | 'hasAudio'> {
  /** Every browser plays it as it is (H.264 up to High, 4:2:0, in MP4). */
  playable: boolean;
}

// Chromium, Firefox and Safari all play these H.264 profiles in MP4; lossless "High 4:4:4" they do not.
const PLAYABLE_PROFILES = new Set(['Baseline', 'Constrained Baseline', 'Main', 'High']);
// Demuxers that hold exactly one picture (as probe.ts counts them).
const IMAGE_FORMATS = new Set(['image2', 'png_pipe', 'jpeg_pipe', 'webp_pipe', 'bmp_pipe', 'tiff_pipe', 'pam_pipe', 'ppm_pipe', 'pgm_pipe', 'qoi_pipe']);

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

/**
 * Size, frames and playability in one ffprobe (a report probes every output of a run; one process per
 * file instead of two is most of its cost). Frames are the container's count, or estimated from the
 * duration: a strip only needs them spread over the clip.
 */
export async function previewInfo(file: string, signal?: AbortSignal): Promise<PreviewInfo> {
  const { stdout } = await runProcess(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { signal, file, tool: 'ffprobe' });
  const data = JSON.parse(stdout) as { streams?: ProbeStream[]; format?: { format_name?: string; duration?: string } };
  const video = data.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video?.width || !video.height) throw new Error(`${file} has no video stream`);
  const format = data.format?.format_name ?? '';
  const rotation = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? (Number(video.tags?.rotate) || 0);
  const turned = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const [width, height] = turned ? [video.height, video.width] : [video.width, video.height];
  const hasAudio = Boolean(data.streams?.some((s) => s.codec_type === 'audio'));
  if (IMAGE_FORMATS.has(format)) return { kind: 'image', width, height, frames: 1, duration: 0, hasAudio: false, playable: false };
  const [num, den] = (video.avg_frame_rate ?? '0/1').split('/').map(Number);
  const fps = num && den ? num / den : 0;
  const duration = Number(video.duration) || Number(data.format?.duration) || 0;
  const frames = Number(video.nb_frames) || Math.max(1, Math.round(duration * fps));
  const playable = format.split(',').includes('mp4') && video.codec_name === 'h264' && PLAYABLE_PROFILES.has(video.profile ?? '') && video.pix_fmt === 'yuv420p' && !turned;
  return { kind: 'video', width, height, frames, duration, hasAudio, playable };
}

/** A copy any browser plays: H.264 High 4:2:0 in MP4, even-sized, audio as AAC when there is audio. */
export async function writePlayable(file: string, info: PreviewInfo, out: string, signal?: AbortSignal): Promise<void> {
  const tmp = unique(out, '.mp4');
  const audio = info.hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k'] : ['-an'];
  await runFfmpeg(['-i', file, '-map', '0:v:0', ...audio, '-vf', `scale=${even(info.width)}:${even(info.height)},setsar=1`, ...H264_OUTPUT, '-profile:v', 'high', tmp], { signal, file });
  await settle(tmp, out, file);
}

/**
 * An animated WebP of the first seconds (a GIF where this ffmpeg has no WebP encoder), under
 * {@link ANIMATION_MAX_BYTES}: smaller and coarser until it fits. Returns the file written, or undefined.
 */
export async function writeAnimation(file: string, info: PreviewInfo, outBase: string, signal?: AbortSignal): Promise<string | undefined> {
  const attempts = [
    { long: 640, fps: 10, quality: 60 },
    { long: 480, fps: 8, quality: 45 },
    { long: 320, fps: 6, quality: 30 },
  ];
  for (const attempt of attempts) {
    const scale = attempt.long / Math.max(info.width, info.height);
    const size = `${even(Math.max(2, Math.round(info.width * scale)))}:${even(Math.max(2, Math.round(info.height * scale)))}`;
    const head = ['-t', String(ANIMATION_SECONDS), '-i', file, '-map', '0:v:0', '-an'];
    let out = `${outBase}.webp`;
    const tmp = unique(out, '');
    try {
      await runFfmpeg([...head, '-vf', `fps=${attempt.fps},scale=${size}:flags=lanczos`, '-c:v', 'libwebp_anim', '-loop', '0', '-quality', String(attempt.quality), '-f', 'webp', tmp], { signal, file });
    } catch (error) {
      if (signal?.aborted) throw error;
      out = `${outBase}.gif`;
      await runFfmpeg([...head, '-filter_complex', `fps=${attempt.fps},scale=${size}:flags=lanczos,split[a][b];[a]palettegen=max_colors=128[p];[b][p]paletteuse=dither=bayer`, '-loop', '0', '-f', 'gif', tmp], { signal, file });
    }
    if ((await stat(tmp)).size <= ANIMATION_MAX_BYTES) {
      await rename(tmp, out);
      return out;
    }
    await rm(tmp, { force: true });
  }
  return undefined;
}

/** A temp name beside `final` of this process alone: two runs sharing a state dir may make the same preview. */
function unique(final: string, ext: string): string {
  return `${final}.${process.pid}.${randomBytes(4).toString('hex')}.tmp${ext}`;
}

async function settle(tmp: string, final: string, file: string): Promise<void> {
  try {
    if ((await stat(tmp)).size > 0) return await rename(tmp, final);
  } catch {
    // reported below
  }
  await rm(tmp, { force: true });
  throw new Error(`ffmpeg wrote no picture for ${file}`);
}
