/**
 * Tiny media fixtures made on the fly with the real ffmpeg, and decoders for asserting on what the code
 * under test wrote. The decoders call ffmpeg/ffprobe directly (not src/media), so a bug in the frame readers
 * or the probe cannot hide itself in the assertions.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath, ffprobePath } from '../../src/media/binaries.js';
import type { ExecContext, StepProgress } from '../../src/providers/types.js';

const run = promisify(execFile);

export async function makeTmpDir(prefix = 'vidrecipe-media-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A fresh, empty work folder inside `parent`, as the engine gives each step attempt. */
export async function makeWorkDir(parent: string): Promise<string> {
  return mkdtemp(join(parent, 'work-'));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Runs ffmpeg quietly; throws with its stderr. */
export async function ffmpeg(args: string[]): Promise<void> {
  await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
}

const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  duration?: number;
  /** testsrc (moving pattern) or a flat colour. */
  source?: 'testsrc' | 'color';
  color?: string;
  /** Add a 440 Hz tone as an audio track. */
  audio?: boolean;
}

/** An H.264 MP4 (or whatever the extension says: .mkv, .webm …) of the given size, rate and length. */
export async function makeClip(file: string, options: ClipOptions = {}): Promise<string> {
  const { width = 64, height = 48, fps = 10, duration = 1, source = 'testsrc', color = 'red', audio = false } = options;
  const size = `${width}x${height}`;
  const video = source === 'testsrc' ? `testsrc=s=${size}:r=${fps}:d=${duration}` : `color=c=${color}:s=${size}:r=${fps}:d=${duration}`;
  await ffmpeg([
    '-f', 'lavfi', '-i', video,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=f=440:d=${duration}`, '-c:a', 'aac'] : []),
    ...(file.endsWith('.webm') ? ['-c:v', 'libvpx', '-pix_fmt', 'yuv420p'] : H264),
    file,
  ]);
  return file;
}

/** A PNG of one colour. */
export async function makePng(file: string, options: { width?: number; height?: number; color?: string } = {}): Promise<string> {
  const { width = 64, height = 48, color = 'green' } = options;
  await ffmpeg(['-f', 'lavfi', '-i', `color=c=${color}:s=${width}x${height}`, '-frames:v', '1', file]);
  return file;
}

/** Encodes gray frames losslessly into an MP4, so tests know every pixel of their input. */
export async function encodeGray(file: string, width: number, height: number, fps: number, frames: Buffer[]): Promise<string> {
  return encodeRaw(file, width, height, fps, 'gray', frames);
}

/** Encodes raw frames (gray, or yuv420p: decoded back byte for byte) losslessly into an MP4. */
export async function encodeRaw(file: string, width: number, height: number, fps: number, pixFmt: 'gray' | 'yuv420p', frames: Uint8Array[]): Promise<string> {
  const child = spawn(ffmpegPath(), [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', file,
  ], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end(Buffer.concat(frames));
  const code = await exited;
  if (code !== 0) throw new Error(`encodeRaw failed: ${stderr}`);
  return file;
}

/** Frame i is a flat grey of level(i): lets a test tell exactly which frames a step kept. */
export async function makeNumberedClip(file: string, options: { width?: number; height?: number; fps?: number; frames: number; level?: (i: number) => number }): Promise<string> {
  const { width = 64, height = 48, fps = 10, frames, level = (i) => 8 * i + 16 } = options;
  return encodeGray(file, width, height, fps, Array.from({ length: frames }, (_, i) => Buffer.alloc(width * height, level(i))));
}

export interface Box {
  x: number;
  y: number;
  size: number;
}

/** A white square on black moving right by `step` px per frame; returns where the box is in each frame. */
export async function makeMovingBoxMask(
  file: string,
  options: { width?: number; height?: number; fps?: number; frames?: number; size?: number; x0?: number; y?: number; step?: number } = {},
): Promise<Box[]> {
  const { width = 96, height = 64, fps = 10, frames = 6, size = 12, x0 = 20, y = 26, step = 6 } = options;
  const boxes = Array.from({ length: frames }, (_, i) => ({ x: x0 + i * step, y, size }));
  const raw = boxes.map((box) => {
    const frame = Buffer.alloc(width * height, 0);
    for (let yy = box.y; yy < box.y + box.size; yy++) frame.fill(255, yy * width + box.x, yy * width + box.x + box.size);
    return frame;
  });
  await encodeGray(file, width, height, fps, raw);
  return boxes;
}

export interface Decoded {
  width: number;
  height: number;
  frames: Buffer[];
}

/** Every frame of a video (or the image) as packed gray or rgb24, via ffmpeg directly. */
export async function decode(file: string, pixFmt: 'gray' | 'rgb24' | 'yuv420p' = 'gray'): Promise<Decoded> {
  const info = await probeFile(file);
  const { stdout } = await run(
    ffmpegPath(),
    ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  const size = info.width * info.height * { gray: 1, rgb24: 3, yuv420p: 1.5 }[pixFmt];
  const frames: Buffer[] = [];
  for (let offset = 0; offset + size <= stdout.length; offset += size) frames.push(stdout.subarray(offset, offset + size));
  return { width: info.width, height: info.height, frames };
}

export interface ProbedFile {
  width: number;
  height: number;
  fps: number;
  duration: number;
  /** Decoded frames (counted, not taken from the container). */
  frames: number;
  codec: string;
  pixFmt: string;
  hasAudio: boolean;
  /** Seconds of the first audio stream; 0 without audio. */
  audioDuration: number;
}

export async function probeFile(file: string): Promise<ProbedFile> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_format', '-show_streams', file]);
  const data = JSON.parse(stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; avg_frame_rate?: string; nb_read_frames?: string; duration?: string; pix_fmt?: string }[];
    format: { duration?: string };
  };
  const video = data.streams.find((s) => s.codec_type === 'video');
  if (!video) throw new Error(`${file} has no video stream`);
  const [num, den] = (video.avg_frame_rate ?? '0/1').split('/').map(Number);
  return {
    width: video.width ?? 0,
    height: video.height ?? 0,
    fps: den ? num! / den : 0,
    duration: Number(video.duration ?? data.format.duration ?? 0),
    frames: Number(video.nb_read_frames ?? 0),
    codec: video.codec_name,
    pixFmt: video.pix_fmt ?? '',
    hasAudio: data.streams.some((s) => s.codec_type === 'audio'),
    audioDuration: Number(data.streams.find((s) => s.codec_type === 'audio')?.duration ?? 0),
  };
}

/** Mean of one channel (0 = R or gray) over a rectangle of a packed frame. */
export function meanOf(frame: Buffer, width: number, channels: 1 | 3, rect: { x: number; y: number; w: number; h: number }, channel = 0): number {
  let sum = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) sum += frame[(y * width + x) * channels + channel]!;
  }
  return sum / (rect.w * rect.h);
}

/** Mean RGB over a rectangle of an rgb24 frame. */
export function rgbOf(frame: Buffer, width: number, rect: { x: number; y: number; w: number; h: number }): [number, number, number] {
  return [0, 1, 2].map((c) => meanOf(frame, width, 3, rect, c)) as [number, number, number];
}

export interface TestContext {
  ctx: ExecContext;
  controller: AbortController;
  warnings: string[];
  progress: StepProgress[];
}

/** An ExecContext as the engine builds it: a fresh work folder, a live signal, recorded progress and warnings. */
export function execContext(workDir: string, params: Record<string, unknown>, stepId = 'step'): TestContext {
  const controller = new AbortController();
  const warnings: string[] = [];
  const progress: StepProgress[] = [];
  const ctx: ExecContext = {
    stepId,
    params,
    workDir,
    signal: controller.signal,
    progress: (p) => progress.push(p),
    warn: (message) => warnings.push(message),
    digestOf: () => undefined,
    knownUrl: () => undefined,
    rememberUrl: () => {},
  };
  return { ctx, controller, warnings, progress };
}

/** Whether the MP4's index (moov) comes before the media data (mdat), i.e. it was written with +faststart. */
export async function isFastStart(file: string): Promise<boolean> {
  const bytes = await readFile(file);
  const moov = bytes.indexOf('moov');
  const mdat = bytes.indexOf('mdat');
  return moov >= 0 && mdat >= 0 && moov < mdat;
}

/** Which frame of a numbered clip (levels `first + step·i`) each decoded frame shows. */
export async function frameIndices(file: string, first = 16, step = 8): Promise<number[]> {
  const { frames, width, height } = await decode(file, 'gray');
  return frames.map((frame) => {
    const grey = meanOf(frame, width, 1, { x: 0, y: 0, w: width, h: height });
    const index = Math.max(0, Math.round((grey - first) / step));
    if (Math.abs(grey - (first + step * index)) > step / 3) throw new Error(`${file}: a frame of grey ${grey} matches no numbered frame`);
    return index;
  });
}
