import { open, stat, type FileHandle } from 'node:fs/promises';
import { runFfmpeg } from './ffmpeg.js';
import { frameBytes } from './frames.js';
import { MediaError } from './types.js';

export interface DecodeToRawOptions {
  /** Frame size of the file: the input is scaled to cover it and cropped at the centre. */
  width: number;
  height: number;
  /** Resample to this frame rate; otherwise every decoded frame, as is. */
  fps?: number;
  /** Keep at most this many frames. */
  maxFrames?: number;
  /** Lay the picture over black: an image with transparency would otherwise show the colours hidden under it. */
  flattenAlpha?: boolean;
  signal?: AbortSignal;
}

/**
 * Decodes a video or an image into a file of packed rgb24 frames, for steps that need to visit frames out of
 * order (a ping-pong, a reversal) without holding a clip in memory. Returns how many frames it holds.
 */
export async function decodeToRawFile(input: string, out: string, options: DecodeToRawOptions): Promise<number> {
  const { width, height } = options;
  const box = `${width}:${height}`;
  const filters = [
    ...(options.fps ? [`fps=${options.fps}`] : []),
    `scale=${box}:force_original_aspect_ratio=increase`,
    `crop=${box}`,
    'setsar=1',
  ];
  const graph = options.flattenAlpha
    ? ['-filter_complex', `[0:v:0]${filters.join(',')}[fg];color=c=black:s=${width}x${height}[bg];[bg][fg]overlay=format=rgb:shortest=1`]
    : ['-map', '0:v:0', '-vf', filters.join(',')];
  await runFfmpeg(
    [
      '-i', input, ...graph,
      ...(options.maxFrames ? ['-frames:v', String(options.maxFrames)] : []),
      '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', out,
    ],
    { signal: options.signal, file: input },
  );
  const size = frameBytes(width, height, 'rgb24');
  const bytes = (await stat(out)).size;
  if (bytes === 0 || bytes % size !== 0) throw new MediaError(`decoding ${input} gave ${bytes} bytes, not whole ${width}x${height} frames`, input);
  return bytes / size;
}

/** Random access to the frames of a file written by decodeToRawFile; the last few frames read are kept. */
export class RawFrameFile {
  private readonly recent = new Map<number, Buffer>();

  private constructor(
    private readonly handle: FileHandle,
    readonly frameSize: number,
    readonly frames: number,
    private readonly keep: number,
  ) {}

  static async open(file: string, width: number, height: number, keep = 4): Promise<RawFrameFile> {
    const frameSize = frameBytes(width, height, 'rgb24');
    const handle = await open(file, 'r');
    const { size } = await handle.stat();
    return new RawFrameFile(handle, frameSize, Math.floor(size / frameSize), keep);
  }

  /** Frame `index` (clamped to the file). The buffer is shared with later reads: do not modify it. */
  async read(index: number): Promise<Buffer> {
    const i = Math.min(this.frames - 1, Math.max(0, index));
    const cached = this.recent.get(i);
    if (cached) return cached;
    const frame = Buffer.allocUnsafe(this.frameSize);
    const { bytesRead } = await this.handle.read(frame, 0, this.frameSize, i * this.frameSize);
    if (bytesRead !== this.frameSize) throw new MediaError(`frame ${i} of a raw frame file is incomplete (${bytesRead} of ${this.frameSize} bytes)`);
    this.recent.set(i, frame);
    if (this.recent.size > this.keep) this.recent.delete(this.recent.keys().next().value!);
    return frame;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
