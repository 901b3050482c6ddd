/**
 * Classical object removal over files: a video and its mask in, the video without the masked object out.
 *
 * Two streaming passes over the files, the second running behind the first, so memory is the size of the
 * background mosaic, never the clip's length:
 *
 * 1. Reads video and mask. Per frame: the fill region (mask below 192, grown a little), the camera's
 *    translation since the previous frame (on small luma, the fill region left out), and the frame's visible
 *    background written into the mosaic where the mosaic has nothing yet ("first seen"). At the end every place
 *    any frame's fill region covers ("needed") holds either the first background any frame showed there, or,
 *    where no frame ever did, a spatial fill from the boundary, made once so it is the same in every frame.
 * 2. Reads the video again (the fill regions come from pass 1, packed, unless they outgrew their budget). Per
 *    frame: once the mosaic has a value for every place of its fill region — pass 1 has reached the frame that
 *    first shows each, or has finished and made the rest — replaces the region from the mosaic, cross-faded at
 *    the edge, writes its visible background over the mosaic ("last seen"), and encodes it.
 *
 * So a frame's hole takes the most recent earlier view of that place when there is one and otherwise the
 * earliest later view — the temporally nearest in whichever direction has it — which a forward and a backward
 * propagation would give, without holding frames or decoding backwards. Pass 2 trails pass 1 by as many
 * frames as the object takes to uncover what it hides; the lag costs no memory beyond the packed regions
 * (bounded), since each pass reads its own decoder and a waiting decoder just blocks on its pipe. Decoding,
 * filling and encoding run in parallel: two ffmpeg decoders and an encoder alongside the JavaScript, which
 * touches only the region's box per frame, plus one row copy of the frame into the mosaic.
 */
import { openFrameWriter, readFrames } from './frames.js';
import { composeFill } from './inpaint/compose.js';
import { FillHistory } from './inpaint/fill-history.js';
import { DEFAULT_FILL_MASK, FillMask, type FillMaskOptions } from './inpaint/fill-mask.js';
import { yuvPlanes } from './inpaint/frame.js';
import { MotionEstimator } from './inpaint/motion.js';
import { Mosaic } from './inpaint/mosaic.js';
import { fillNeverSeen } from './inpaint/never-seen.js';
import { PassProgress } from './inpaint/pass-progress.js';
import { abortReason } from './process.js';
import { MediaError } from './types.js';

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
  audioFrom?: { file: string; format: string };
  fill?: FillMaskOptions;
  /** Bytes for keeping the first pass's fill regions for the second (default 32 MiB); beyond it the mask is decoded twice. */
  maskMemory?: number;
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
  /** How far the camera moved over the clip, in pixels (the mosaic's extent beyond one frame). */
  panX: number;
  panY: number;
}

// A region of a 480p frame packs into a few kilobytes, so this covers a lag of minutes between the passes.
const MASK_MEMORY = 32 * 1024 * 1024;

// Frames decoded ahead of the fill: the decoders keep working through frames whose fill takes longer.
const READ_AHEAD = 3;

// Pass 1 is about a third of the work (no encode).
const FIRST_PASS_SHARE = 0.35;

/** What the two passes share: pass 1 writes, pass 2 reads behind it. */
interface Shared {
  mosaic: Mosaic;
  /** Per frame recorded by pass 1: its placement (ox, oy) in the mosaic. */
  offsets: number[];
  history: FillHistory;
  first: PassProgress;
  /** Set by pass 1 once it has finished. */
  counts?: { frames: number; framesWithMask: number; needed: number; neverSeen: number };
  report: (pass: 1 | 2, frames: number) => void;
}

export async function removeObject(options: RemoveObjectOptions): Promise<RemovalStats> {
  const { width, height } = options;
  // Either pass failing stops the other; the caller's signal stops both.
  const stop = new AbortController();
  const forward = (): void => stop.abort(abortReason(options.signal!));
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });
  const run: RemoveObjectOptions = { ...options, signal: stop.signal };
  const shared: Shared = { mosaic: new Mosaic(width, height), offsets: [], history: new FillHistory(options.maskMemory ?? MASK_MEMORY), first: new PassProgress(), report: progress(options) };

  let failure: { error: unknown } | undefined;
  const failed = (error: unknown): never => {
    failure ??= { error };
    shared.first.fail(error);
    stop.abort(error);
    throw error;
  };
  try {
    await Promise.allSettled([firstPass(run, shared).catch(failed), secondPass(run, shared).catch(failed)]);
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
  if (failure) throw failure.error;
  const { mosaic } = shared;
  const counts = shared.counts!;
  return { frames: counts.frames, framesWithMask: counts.framesWithMask, neededPixels: counts.needed, neverSeenPixels: counts.neverSeen, panX: mosaic.width - width, panY: mosaic.height - height };
}

async function firstPass(options: RemoveObjectOptions, shared: Shared): Promise<void> {
  const { width, height, signal } = options;
  const { mosaic, offsets, history, first } = shared;
  const fill = new FillMask(width, height, options.fill ?? DEFAULT_FILL_MASK);
  const motion = new MotionEstimator(width, height);
  let framesWithMask = 0;
  let ox = 0;
  let oy = 0;
  for await (const [video, mask] of framePairs(options)) {
    const box = fill.decode(mask);
    if (box) framesWithMask++;
    const planes = yuvPlanes(video, width, height);
    const shift = motion.next(planes.y, fill.weight, box);
    ox += shift.dx;
    oy += shift.dy;
    offsets.push(ox, oy);
    mosaic.recordFirst(planes, ox, oy, fill);
    history.add(fill.pack());
    first.advance();
    shared.report(1, first.frames);
  }
  if (!first.frames) throw new MediaError(`${options.video} has no frames to process`, options.video);
  const { needed, neverSeen } = fillNeverSeen(mosaic);
  if (signal?.aborted) throw abortReason(signal);
  shared.counts = { frames: first.frames, framesWithMask, needed, neverSeen };
  first.finish();
}

async function secondPass(options: RemoveObjectOptions, shared: Shared): Promise<void> {
  const { width, height, signal } = options;
  const { mosaic, offsets, history, first } = shared;
  const fill = new FillMask(width, height, options.fill ?? DEFAULT_FILL_MASK);
  // Opened only if the packed regions outgrow their budget; it then catches up with this pass's frame.
  let masks: AsyncGenerator<Buffer, void, undefined> | undefined;
  let masksRead = 0;
  const writer = openFrameWriter(options.output, { width, height, fps: options.fps, pixFmt: 'yuv420p', audioFrom: options.audioFrom, signal });
  // The frame before is still being handed to the encoder while this one is filled; each frame is its own
  // buffer, so the two never share memory.
  let writing: Promise<void> | undefined;
  try {
    let index = 0;
    for await (const video of readFrames(options.video, { pixFmt: 'yuv420p', width, height, readAhead: READ_AHEAD, signal })) {
      while (first.frames <= index && !first.finished) await first.changed();
      if (index >= first.frames) throw changed(options);
      const packed = history.take();
      if (packed) fill.unpack(packed);
      else {
        masks ??= readFrames(options.mask, { pixFmt: 'gray', width, height, readAhead: READ_AHEAD, signal });
        for (; masksRead <= index; masksRead++) {
          const mask = await masks.next();
          if (mask.done) throw new MediaError(`${options.mask} has fewer frames than ${options.video}; the mask needs one frame per video frame`, options.mask);
          if (masksRead === index) fill.decode(mask.value);
        }
      }
      const fx = offsets[2 * index]!;
      const fy = offsets[2 * index + 1]!;
      for (let unknown = mosaic.firstUnknown(fill, fx, fy); unknown >= 0 && !first.finished; unknown = mosaic.firstUnknown(fill, fx, fy, unknown)) await first.changed();
      const planes = yuvPlanes(video, width, height);
      // Either order: the fill writes only where the weights are above 0, and recordLast reads only where they are 0.
      composeFill(planes, fill, mosaic, fx, fy);
      mosaic.recordLast(planes, fx, fy, fill);
      await writing;
      writing = writer.write(video);
      // Rejections surface at the next await of `writing`; until then this keeps them from counting as unhandled.
      writing.catch(() => undefined);
      index++;
      shared.report(2, index);
    }
    await writing;
    while (!first.finished) await first.changed();
    if (index !== first.frames) throw changed(options);
    await writer.end();
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    await masks?.return(undefined);
  }
}

/** Video (yuv420p) and mask (gray) frames in step; the next pair is already being read while one is worked on. */
async function* framePairs(options: RemoveObjectOptions): AsyncGenerator<[Buffer, Buffer], void, undefined> {
  const { width, height, signal } = options;
  const video = readFrames(options.video, { pixFmt: 'yuv420p', width, height, readAhead: READ_AHEAD, signal });
  const mask = readFrames(options.mask, { pixFmt: 'gray', width, height, readAhead: READ_AHEAD, signal });
  let pending: Promise<[IteratorResult<Buffer>, IteratorResult<Buffer>]> | undefined;
  try {
    pending = Promise.all([video.next(), mask.next()]);
    for (;;) {
      const [v, m] = await pending;
      pending = undefined;
      if (v.done !== m.done) {
        const [longer, shorter] = v.done ? [options.mask, options.video] : [options.video, options.mask];
        throw new MediaError(`${shorter} has fewer frames than ${longer}; the mask needs one frame per video frame`, shorter);
      }
      if (v.done || m.done) return;
      pending = Promise.all([video.next(), mask.next()]);
      yield [v.value, m.value];
    }
  } finally {
    await pending?.catch(() => undefined);
    await Promise.all([video.return(undefined), mask.return(undefined)]);
  }
}

function changed(options: RemoveObjectOptions): MediaError {
  return new MediaError(`${options.video} decoded to a different number of frames the second time; was it changed while being read?`, options.video);
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
