/**
 * Classical object removal over files: a video and its mask in, the video without the masked object out.
 *
 * Two streaming passes, the second running behind the first, so memory is the size of the background mosaic
 * and a bounded queue between the passes, never the clip's length:
 *
 * 1. Reads video and mask. Per frame: the fill region (mask below 192, grown a little), the camera's motion
 *    since the previous frame — a similarity: zoom, roll and pan to a fraction of a pixel (inpaint/motion.ts),
 *    the fill region left out — and the frame's visible background written into the mosaic where the mosaic
 *    has nothing yet ("first seen"), resampled when the frame does not sit on the mosaic's pixel grid. The
 *    frame and its packed fill region then go to pass 2. At the end every place any frame's fill region
 *    reads ("needed") holds either the first background any frame showed there, or, where no frame ever did,
 *    a spatial fill from the boundary, made once so it is the same in every frame.
 * 2. Per frame, in order: once the mosaic has a value for every place of the frame's fill region — pass 1 has
 *    reached the frame that first shows each, or has finished and made the rest — replaces the region from the
 *    mosaic, cross-faded at the edge, writes the frame's visible background over the mosaic where the next
 *    frame's fill reads ("last seen"), and encodes it. Nothing outside the fill region is written: there the
 *    output is the decoded input, byte for byte.
 *
 * So a frame's hole takes the most recent earlier view of that place when there is one and otherwise the
 * earliest later view — the temporally nearest in whichever direction has it — which a forward and a backward
 * propagation would give, without decoding backwards.
 *
 * The look-ahead: pass 2 trails pass 1 by as many frames as the object takes to uncover what it hides (all of
 * the clip where it never does). The frames in between wait in a queue (see removal-passes.ts): a few frames
 * normally, up to `handoffMemory` while pass 2 waits for a place to be uncovered; past that the queue is
 * dropped and pass 2 decodes video and mask again itself, from its frame on, until it has caught up with pass 1
 * and the queue takes frames again. So a clip is decoded once, except the frames around a wait longer than
 * the queue holds.
 */
import type { FrameWriterOptions } from './frames.js';
import type { FillMaskOptions } from './inpaint/fill-mask.js';
import { Handoff } from './inpaint/handoff.js';
import { Mosaic } from './inpaint/mosaic.js';
import { PassProgress } from './inpaint/pass-progress.js';
import { abortReason } from './process.js';
import { firstPass, type Pass, secondPass } from './removal-passes.js';

export interface RemoveObjectOptions {
  video: string;
  /** Gray levels below 192 mark what to remove (VOID polarity: 0 remove, 255 keep). Same size and frame count. */
  mask: string;
  output: string;
  /** The video's size (even) and frame rate, as probed. */
  width: number;
  height: number;
  fps: number;
  /** Frames expected, for progress. */
  frames?: number;
  /** Copy the first audio stream of this file into the output. */
  audioFrom?: FrameWriterOptions['audioFrom'];
  /**
   * The fill region: the mask grown by `grow` px (a square), cross-faded over its outer `feather` px. Outside
   * it, the output frames are the decoded input frames byte for byte, before the encode (a chroma sample
   * counts as inside when any of its four luma pixels is). Default DEFAULT_FILL_MASK.
   */
  fill?: FillMaskOptions;
  /**
   * Encode losslessly (libx264 -qp 0): the file then holds exactly the frames the fill produced. For tests and
   * measurements; see FrameWriterOptions.lossless for why not for people.
   */
  lossless?: boolean;
  /**
   * Bytes of decoded frames (and their fill regions) the first pass may hand to the second, which runs behind
   * it (default 128 MiB). When the second pass falls further behind than that, waiting for a place to be
   * uncovered, it decodes the files again from where it is.
   */
  handoffMemory?: number;
  /**
   * Start synthesizing what no frame shows on a worker thread during pass 1, once it looks settled
   * (inpaint/texture-speculation.ts), rather than only after pass 1 (default true). The output is the same.
   */
  synthesizeAhead?: boolean;
  signal?: AbortSignal;
  /** 0…1 over both passes. */
  onProgress?: (fraction: number) => void;
}

export interface RemovalStats {
  frames: number;
  /** Frames with something to remove. */
  framesWithMask: number;
  /** Distinct background places under some frame's fill region, and how many of them no frame ever showed. */
  neededPixels: number;
  neverSeenPixels: number;
  /**
   * How far the camera moved over the clip, in pixels: the extent of the area the frames cover, at the first
   * frame's scale, beyond one frame (a zoom in adds nothing, a zoom out its border).
   */
  panX: number;
  panY: number;
}

// 128 MiB: about 3 s of 720p at 30 fps, 1.4 s of 1080p. On the bench's 720p scenes whose object uncovers what
// it hid slowly (a pan following it, a zoom, a large object) a 32 MiB queue overflowed, and the second decode
// of video and mask, competing with the encoder for the cores, cost a quarter of the wall time; the larger
// queue costs up to 96 MiB more resident memory, still bounded whatever the clip's length.
const HANDOFF_MEMORY = 128 * 1024 * 1024;

// Pass 1 is about a third of the work (no encode).
const FIRST_PASS_SHARE = 0.35;

export async function removeObject(options: RemoveObjectOptions): Promise<RemovalStats> {
  const { width, height } = options;
  // Either pass failing stops the other; the caller's signal stops both.
  const stop = new AbortController();
  const forward = (): void => stop.abort(abortReason(options.signal!));
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });
  const report = progress(options);
  const pass: Pass = {
    options: { ...options, signal: stop.signal },
    mosaic: new Mosaic(width, height),
    placements: [],
    handoff: new Handoff(options.handoffMemory ?? HANDOFF_MEMORY),
    first: new PassProgress(),
    second: new PassProgress(),
    report,
    spent: [],
  };

  let failure: { error: unknown } | undefined;
  const failed = (error: unknown): never => {
    failure ??= { error };
    pass.first.fail(error);
    pass.second.fail(error);
    stop.abort(error);
    throw error;
  };
  try {
    await Promise.allSettled([firstPass(pass).catch(failed), secondPass(pass).catch(failed)]);
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
  if (failure) throw failure.error;
  const counts = pass.counts!;
  const covered = pass.mosaic.covered!;
  return { ...counts, panX: Math.max(0, covered.x1 - covered.x0 - width), panY: Math.max(0, covered.y1 - covered.y0 - height) };
}

function progress(options: RemoveObjectOptions): (pass: 1 | 2, frames: number) => void {
  const total = options.frames;
  const done = [0, 0];
  let reported = 0;
  return (pass, frames) => {
    if (!options.onProgress || !total) return;
    done[pass - 1] = frames;
    const fraction = Math.min(1, (done[0]! * FIRST_PASS_SHARE + done[1]! * (1 - FIRST_PASS_SHARE)) / total);
    if (fraction - reported >= 0.02 || fraction === 1) {
      reported = fraction;
      options.onProgress(fraction);
    }
  };
}
