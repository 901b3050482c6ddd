import { statSync } from 'node:fs';
import { ffprobePath } from './binaries.js';
import { runProcess } from './process.js';
import { MediaError, type MediaInfo } from './types.js';

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; size?: string };
}

// Demuxers that hold exactly one picture. (A GIF or an APNG can move, so they stay videos.)
const IMAGE_FORMATS = new Set(['image2', 'png_pipe', 'jpeg_pipe', 'webp_pipe', 'bmp_pipe', 'tiff_pipe', 'pam_pipe', 'ppm_pipe', 'pgm_pipe', 'qoi_pipe']);

/**
 * What a video or image is: size, frame rate, duration and exact frame count. Asked once per file version
 * (path, identity, size and time, and the ffprobe that reads it) within the process: the plan's checks, the
 * run's check of an upstream output and the step that reads it all ask about the same file, and a batch
 * asks a thousand times about the clip its legs share.
 */
export async function probe(file: string, options: { signal?: AbortSignal } = {}): Promise<MediaInfo> {
  const version = fileVersion(file);
  return { ...(await shared(version.key, options.signal, (signal) => describe(file, version.size, signal))) };
}

/**
 * What {@link probe} says, and how many frames of the first video stream (`v:0`) decode among the first
 * `packets` packets of all streams, from one ffprobe: a check that the frames decode need not start one of
 * its own. `keep()` remembers the description for {@link probe}, for the step that reads the file next.
 */
export async function probeDecoding(file: string, packets: number, signal?: AbortSignal): Promise<{ info: MediaInfo; decoded: number; keep(): void }> {
  const version = fileVersion(file);
  const data = await ffprobe(file, ['-show_format', '-show_streams', '-count_frames', '-read_intervals', `%+#${packets}`], signal);
  const info = await infoOf(file, version.size, data, signal);
  const decoded = positive(data.streams?.find((s) => s.codec_type === 'video')?.nb_read_frames);
  return { info: { ...info }, decoded, keep: () => void (known.has(version.key) || remember(version.key, Promise.resolve(info), undefined)) };
}

interface FileVersion {
  key: string;
  size: number;
}

function fileVersion(file: string): FileVersion {
  try {
    const info = statSync(file);
    if (!info.isFile()) throw new Error('not a file');
    return { key: `${ffprobePath()}\0${file}\0${info.ino}\0${info.size}\0${info.mtimeMs}`, size: info.size };
  } catch (error) {
    if (error instanceof MediaError) throw error;
    throw unreadable(file, 'the file does not exist');
  }
}

/** Descriptions by file version, each with the signal of the caller that asked first. */
const known = new Map<string, { pending: Promise<MediaInfo>; signal?: AbortSignal }>();

function remember(key: string, pending: Promise<MediaInfo>, signal: AbortSignal | undefined): Promise<MediaInfo> {
  known.set(key, { pending, signal });
  // A file that could not be read may be fixed (or ffprobe installed) before the next question.
  pending.catch(() => {
    if (known.get(key)?.pending === pending) known.delete(key);
  });
  return pending;
}

/** One answer for all who ask; a caller whose question was cut short by another caller's Ctrl-C asks anew. */
async function shared(key: string, signal: AbortSignal | undefined, make: (signal?: AbortSignal) => Promise<MediaInfo>): Promise<MediaInfo> {
  for (;;) {
    const entry = known.get(key);
    const pending = entry?.pending ?? remember(key, make(signal), signal);
    try {
      return await pending;
    } catch (error) {
      const theirs = entry?.signal;
      if (!entry || signal?.aborted || !theirs?.aborted) throw error;
    }
  }
}

async function describe(file: string, sizeBytes: number, signal?: AbortSignal): Promise<MediaInfo> {
  return infoOf(file, sizeBytes, await ffprobe(file, ['-show_format', '-show_streams'], signal), signal);
}

// Cover art in an audio file is a "video" stream too, but not a picture anyone means to edit.
function firstVideo(data: ProbeOutput): ProbeStream | undefined {
  return data.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
}

async function infoOf(file: string, sizeBytes: number, data: ProbeOutput, signal?: AbortSignal): Promise<MediaInfo> {
  const video = firstVideo(data);
  if (!video || !video.width || !video.height) throw unreadable(file, 'ffprobe found no video stream in it');
  const formatName = data.format?.format_name ?? '';
  const kind = IMAGE_FORMATS.has(formatName) ? 'image' : 'video';
  // ffmpeg turns a phone's portrait video upright when it decodes it: report the size as decoded.
  const quarterTurn = Math.abs(Math.round(rotation(video) / 90)) % 2 === 1;
  const audio = data.streams?.find((s) => s.codec_type === 'audio');
  const base = {
    file,
    format: formatName,
    codec: video.codec_name ?? 'unknown',
    width: quarterTurn ? video.height : video.width,
    height: quarterTurn ? video.width : video.height,
    sizeBytes,
    pixFmt: video.pix_fmt ?? 'unknown',
    hasAudio: audio !== undefined,
    audioCodec: audio?.codec_name,
  };
  if (kind === 'image') return { ...base, kind, fps: 0, duration: 0, frames: 1 };

  const fps = rate(video.avg_frame_rate) || rate(video.r_frame_rate);
  const duration = positive(video.duration) || positive(data.format?.duration);
  // nb_frames comes from the container index (MP4, MOV); Matroska/WebM and raw streams have none, and
  // only decoding them counts the frames exactly.
  const frames = positive(video.nb_frames) || (await countFrames(file, signal));
  return { ...base, kind, fps, duration: duration || (fps ? frames / fps : 0), frames };
}

/** Degrees of the display rotation: the display matrix's side data, or the older `rotate` tag. */
function rotation(stream: ProbeStream): number {
  const fromSideData = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  return fromSideData ?? (Number(stream.tags?.rotate) || 0);
}

async function countFrames(file: string, signal?: AbortSignal): Promise<number> {
  const data = await ffprobe(file, ['-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames'], signal);
  return positive(data.streams?.[0]?.nb_read_frames);
}

async function ffprobe(file: string, what: string[], signal?: AbortSignal): Promise<ProbeOutput> {
  let stdout: string;
  try {
    ({ stdout } = await runProcess(ffprobePath(), ['-v', 'error', '-print_format', 'json', ...what, file], { signal, file, tool: 'ffprobe' }));
  } catch (error) {
    if (signal?.aborted || !(error instanceof MediaError) || error.file !== file) throw error;
    throw unreadable(file, error.stderr ? `ffprobe says: ${error.stderr.split('\n').join('; ')}` : error.message);
  }
  try {
    return JSON.parse(stdout) as ProbeOutput;
  } catch {
    throw unreadable(file, 'ffprobe printed no readable description of it');
  }
}

function unreadable(file: string, why: string): MediaError {
  return new MediaError(`${file} is not a readable video or image: ${why}`, file);
}

function rate(text: string | undefined): number {
  const [num, den] = (text ?? '').split('/').map(Number);
  if (!num || !Number.isFinite(num)) return 0;
  if (den === undefined) return num;
  return den && Number.isFinite(den) ? num / den : 0;
}

function positive(text: string | undefined): number {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : 0;
}
