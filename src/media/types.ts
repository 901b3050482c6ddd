/** What ffprobe says about a media file, in the units the steps use. */
export interface MediaInfo {
  file: string;
  kind: 'video' | 'image';
  /** Container, as ffprobe names it (e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `png_pipe`). */
  format: string;
  /** Codec of the first video stream (e.g. `h264`, `png`). */
  codec: string;
  width: number;
  height: number;
  /** Frames per second; 0 for an image. */
  fps: number;
  /** Seconds; 0 for an image. */
  duration: number;
  /** Frames in the first video stream; 1 for an image. */
  frames: number;
  sizeBytes: number;
  pixFmt: string;
  /** Whether the file also carries an audio stream. */
  hasAudio: boolean;
  /** Codec of the first audio stream (e.g. `aac`, `pcm_s16le`). */
  audioCodec?: string;
}

/** One `-progress` block of a running ffmpeg. */
export interface FfmpegProgress {
  /** Seconds of output written so far. */
  outTimeSec: number;
  frame: number;
  /** 0…1 when the expected output length is known. */
  fraction?: number;
}

/**
 * Raw pixel layouts the frame streams speak. yuv420p is planar (Y, then U and V at half width and height) and
 * needs an even width and height; it is what H.264 stores, so reading and writing it costs no colour conversion.
 */
export type PixelFormat = 'gray' | 'rgb24' | 'rgba' | 'yuv420p';

export const BYTES_PER_PIXEL: Readonly<Record<PixelFormat, number>> = { gray: 1, rgb24: 3, rgba: 4, yuv420p: 1.5 };

/** A failure of ffmpeg/ffprobe or of a media file, with the file it is about and what ffmpeg said. */
export class MediaError extends Error {
  override name = 'MediaError';
  constructor(
    message: string,
    readonly file?: string,
    /** The last lines of ffmpeg's stderr, folded into the message already. */
    readonly stderr?: string,
  ) {
    super(message);
  }
}
