import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ffmpegPath } from './binaries.js';
import { openFrameSocket, type FrameSink } from './frame-socket.js';
import { abortReason, spawnTool, toolFailure, type ToolProcess } from './process.js';
import { AAC_OUTPUT } from './h264.js';
import { probe } from './probe.js';
import { BYTES_PER_PIXEL, MediaError, type PixelFormat } from './types.js';

export interface ReadFramesOptions {
  pixFmt: PixelFormat;
  /** Scale every frame to this size; with only one of width and height the other keeps the aspect ratio. */
  width?: number;
  height?: number;
  /** Resample to this frame rate (duplicating or dropping frames); otherwise every decoded frame, as is. */
  fps?: number;
  /**
   * Complete frames decoded ahead of the consumer (default 1). More lets ffmpeg keep decoding through the
   * consumer's slower frames, at the cost of that many frames of memory.
   */
  readAhead?: number;
  /**
   * Spent frames the caller gives back for reuse (push a frame once nothing reads or writes it any more): new
   * frames are decoded into them instead of fresh memory, which spares the allocation, its page faults and
   * the garbage collector's work on a long clip.
   */
  pool?: Buffer[];
  /**
   * How the frames come over from ffmpeg: a local socket they are read into in place (the default, where
   * there is one; see frame-socket.ts) or a pipe whose chunks are copied.
   */
  transport?: 'socket' | 'pipe';
  signal?: AbortSignal;
}

/** Bytes of one raw frame: rawvideo output is packed, rows have no padding. */
export function frameBytes(width: number, height: number, pixFmt: PixelFormat): number {
  if (pixFmt === 'yuv420p') return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
  return width * height * BYTES_PER_PIXEL[pixFmt];
}

/**
 * Decodes a video (or an image) into raw frames, one Buffer per frame, each owned by the caller. At most
 * `readAhead` frames and a pipe's worth are in memory: ffmpeg waits while the consumer is busy. Breaking out of
 * the loop stops ffmpeg.
 */
export async function* readFrames(file: string, options: ReadFramesOptions): AsyncGenerator<Buffer, void, undefined> {
  const { signal, pixFmt } = options;
  if (signal?.aborted) throw abortReason(signal);
  const { width, height } = await outputSize(file, options);
  const size = frameBytes(width, height, pixFmt);

  const filters = [
    ...(options.fps ? [`fps=${options.fps}`] : []),
    ...(options.width || options.height ? [`scale=${width}:${height}`] : []),
  ];
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-i', file,
    '-map', '0:v:0',
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    // rawvideo is a constant-rate muxer, so by default ffmpeg would duplicate or drop frames of a
    // variable-rate input; passthrough hands over exactly the decoded (or fps-filtered) frames.
    '-vsync', 'passthrough',
    '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1',
  ];
  const frames = new FrameQueue(size, Math.max(1, options.readAhead ?? 1), options.pool);
  const socket = options.transport === 'pipe' ? undefined : await openFrameSocket(frames);
  let proc: ToolProcess;
  try {
    proc = spawnTool(ffmpegPath(), args, { signal, stdout: socket?.childEnd ?? 'pipe' });
  } catch (error) {
    socket?.reader.destroy();
    throw error;
  } finally {
    // The child has its own copy of its end.
    socket?.childEnd.destroy();
  }
  frames.readFrom(socket?.reader ?? proc.child.stdout!, socket ? 'in place' : 'copy');
  let finished = false;
  try {
    for (;;) {
      const frame = await frames.next();
      if (signal?.aborted) throw abortReason(signal);
      if (!frame) break;
      yield frame;
    }
    const status = await proc.exited;
    finished = true;
    if (signal?.aborted) throw abortReason(signal);
    if (status.code !== 0) throw toolFailure('ffmpeg', status, proc.stderr(), file);
    if (frames.partial > 0) throw new MediaError(`decoding ${file} ended in the middle of a frame (${frames.partial} of ${size} bytes)`, file);
  } finally {
    if (!finished) {
      frames.stop();
      proc.stop();
      await proc.exited.catch(() => undefined);
    }
  }
}

/**
 * Cuts a raw stream into frames. From a local socket (see frame-socket.ts) the bytes are read straight into
 * the frame they belong to; from a pipe each chunk (64 KiB, rarely lined up with frames) is copied there. Up to
 * `ahead` complete frames wait for the consumer; then the stream is paused, so ffmpeg blocks on a full pipe
 * rather than filling memory.
 */
class FrameQueue implements FrameSink {
  private readonly ready: Buffer[] = [];
  private current: Buffer | undefined;
  private filledBytes = 0;
  private stream: Readable | undefined;
  /** The stream was paused (by `take`, or by the socket on `filled` answering false) and waits for `next`. */
  private held = false;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly size: number,
    private readonly ahead: number,
    private readonly pool: Buffer[] = [],
  ) {}

  /** Starts taking frames from `stream`: written `in place` by its reads (a socket's onread), or chunks to `copy`. */
  readFrom(stream: Readable, how: 'in place' | 'copy'): void {
    this.stream = stream;
    if (how === 'copy') stream.on('data', (chunk: Buffer) => this.take(chunk));
    stream.once('end', () => this.finish());
    stream.once('close', () => this.finish());
    stream.once('error', (error: Error) => {
      this.failure = error;
      this.finish();
    });
  }

  /** Bytes of an incomplete last frame. */
  get partial(): number {
    return this.filledBytes;
  }

  /** The next complete frame, or undefined once the stream has ended. */
  async next(): Promise<Buffer | undefined> {
    while (!this.ready.length && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
    const frame = this.ready.shift();
    if (this.held && this.ready.length < this.ahead) {
      this.held = false;
      this.stream?.resume();
    }
    return frame;
  }

  stop(): void {
    this.stream?.removeAllListeners('data');
    this.stream?.destroy();
  }

  region(): Uint8Array {
    return (this.current ??= this.fresh()).subarray(this.filledBytes);
  }

  filled(n: number): boolean {
    this.filledBytes += n;
    if (this.filledBytes === this.size) {
      this.ready.push(this.current!);
      this.current = undefined;
      this.filledBytes = 0;
    }
    this.notify();
    if (this.ready.length < this.ahead) return true;
    this.held = true;
    return false;
  }

  private take(chunk: Buffer): void {
    let more = true;
    for (let at = 0; at < chunk.length; ) {
      const region = this.region();
      const n = Math.min(chunk.length - at, region.length);
      chunk.copy(region, 0, at, at + n);
      at += n;
      more = this.filled(n);
    }
    if (!more) this.stream!.pause();
  }

  private fresh(): Buffer {
    for (let spare = this.pool.pop(); spare; spare = this.pool.pop()) if (spare.length === this.size) return spare;
    return Buffer.allocUnsafe(this.size);
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

async function outputSize(file: string, options: ReadFramesOptions): Promise<{ width: number; height: number }> {
  if (options.width && options.height) return { width: options.width, height: options.height };
  const info = await probe(file, { signal: options.signal });
  if (options.width) return { width: options.width, height: Math.max(1, Math.round((info.height * options.width) / info.width)) };
  if (options.height) return { width: Math.max(1, Math.round((info.width * options.height) / info.height)), height: options.height };
  return { width: info.width, height: info.height };
}

export interface FrameWriterOptions {
  width: number;
  height: number;
  fps: number;
  /** Layout of the frames given to write(). */
  pixFmt: PixelFormat;
  signal?: AbortSignal;
  /**
   * Also carry the first audio stream of this file: copied when an MP4 can hold its codec (`audioCodec`,
   * as probe names it), otherwise encoded to AAC.
   */
  audioFrom?: { file: string; audioCodec?: string };
  /**
   * Encode losslessly (libx264 -qp 0), for masks whose grey levels must come back exactly.
   *
   * Two caveats. (1) -qp 0 makes x264 use the High 4:4:4 Predictive profile, even for yuv420p: ffmpeg-based
   * readers (what the providers run) decode it, but browsers and hardware decoders often do not, so do not
   * use it for videos meant for people. (2) The file is standard limited-range yuv420p, so a grey level g is
   * stored as luma 16 + g·219/255: the luma is bit-exact, but only some levels map back exactly — among them
   * 0, 63, 127, 128 and 255, i.e. every mask convention's value — and the others may come back ±1. Full-range
   * tagging would make all 256 levels exact, but readers that ignore the tag would then shift every mid grey.
   */
  lossless?: boolean;
}

export interface FrameWriter {
  /**
   * Sends one frame; resolves when it has been handed to ffmpeg, so memory stays bounded and the buffer may be
   * reused. Rejects when ffmpeg failed or the signal aborted.
   */
  write(frame: Buffer): Promise<void>;
  /** Finishes the file; resolves when it is complete. */
  end(): Promise<void>;
  /** Stops ffmpeg and removes the partial file. */
  abort(): void;
  /** Frames written so far. */
  readonly frames: number;
}

/** Encodes raw frames into an MP4 (H.264, yuv420p, +faststart). */
/** Audio codecs an MP4 holds as they are; anything else (PCM from a MOV, Opus …) is re-encoded to AAC. */
const MP4_AUDIO = new Set(['aac', 'mp3', 'ac3', 'eac3', 'alac']);

export function openFrameWriter(file: string, options: FrameWriterOptions): FrameWriter {
  const { width, height, fps, pixFmt, signal } = options;
  if (width % 2 || height % 2) {
    throw new MediaError(`cannot write ${file} at ${width}x${height}: H.264 in yuv420p needs an even width and height`, file);
  }
  if (signal?.aborted) throw abortReason(signal);
  const size = frameBytes(width, height, pixFmt);
  const quality = options.lossless ? ['-qp', '0'] : ['-crf', '18'];
  const { audioFrom } = options;
  const audio = audioFrom
    ? ['-map', '0:v:0', '-map', '1:a:0', ...(MP4_AUDIO.has(audioFrom.audioCodec ?? '') ? ['-c:a', 'copy'] : AAC_OUTPUT)]
    : ['-an'];
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostats', '-y',
    '-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
    ...(audioFrom ? ['-i', audioFrom.file] : []),
    ...audio, '-c:v', 'libx264', '-preset', 'veryfast', ...quality, '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
    file,
  ];
  const proc = spawnTool(ffmpegPath(), args, { signal, stdin: 'pipe', stdout: 'ignore' });
  const stdin = proc.child.stdin!;
  // A dying ffmpeg closes its end of the pipe (EPIPE); the exit status says why, so that is what we report.
  stdin.on('error', () => undefined);

  let frames = 0;
  let state: 'open' | 'ending' | 'aborted' = 'open';
  let gone = false;
  // Writes waiting for their flush; released when ffmpeg exits, since a dead process flushes nothing.
  const waiting = new Set<() => void>();
  const release = (): void => {
    gone = true;
    for (const wake of waiting) wake();
    waiting.clear();
  };
  void proc.exited.then(release, release);

  const failure = async (): Promise<unknown> => {
    if (signal?.aborted) return abortReason(signal);
    if (state === 'aborted') return new MediaError(`writing ${file} was aborted`, file);
    try {
      const status = await proc.exited;
      return toolFailure('ffmpeg', status, proc.stderr(), file);
    } catch (error) {
      return error;
    }
  };

  const abort = (): void => {
    if (state === 'aborted') return;
    state = 'aborted';
    signal?.removeEventListener('abort', abort);
    proc.stop();
    void proc.exited.catch(() => undefined).then(() => rm(file, { force: true })).catch(() => undefined);
  };
  signal?.addEventListener('abort', abort, { once: true });

  return {
    get frames() {
      return frames;
    },
    async write(frame) {
      if (signal?.aborted) throw abortReason(signal);
      if (state !== 'open') throw new MediaError(`cannot write to ${file}: the writer is ${state === 'ending' ? 'ended' : 'aborted'}`, file);
      if (frame.length !== size) {
        throw new MediaError(`a ${width}x${height} ${pixFmt} frame has ${size} bytes, got ${frame.length} (writing ${file})`, file);
      }
      if (gone) throw await failure();
      // Resolving only once the chunk is flushed to the pipe both applies backpressure and lets the caller reuse
      // the buffer: until then the stream holds a reference to it, not a copy.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          waiting.delete(wake);
          resolve();
        };
        waiting.add(wake);
        stdin.write(frame, wake);
      });
      if (gone) throw await failure();
      frames += 1;
    },
    async end() {
      if (state === 'aborted') throw await failure();
      if (state === 'ending') throw new MediaError(`${file} was already ended`, file);
      state = 'ending';
      stdin.end();
      const status = await proc.exited.finally(() => signal?.removeEventListener('abort', abort));
      if (signal?.aborted) throw abortReason(signal);
      if (status.code !== 0) throw toolFailure('ffmpeg', status, proc.stderr(), file);
      if (frames === 0) throw new MediaError(`no frames were written to ${file}`, file);
    },
    abort,
  };
}
