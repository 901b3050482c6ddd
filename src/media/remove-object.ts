/**
 * Classical object removal over files: a video and its mask in, the video without the masked object out.
 *
 * Two streaming passes, so memory is the size of the background mosaic, never the clip's length:
 *
 * 1. Read video and mask together. Per frame: the fill region (mask below 192, grown a little), the camera's
 *    translation since the previous frame (on small luma, the fill region left out), and the frame's visible
 *    background written into the mosaic where the mosaic has nothing yet ("first seen"). At the end every place
 *    any frame's fill region covers ("needed") holds either the first background any frame showed there, or,
 *    where no frame ever did, a spatial fill from the boundary, made once so it is the same in every frame.
 * 2. Read both again. Per frame: write its visible background over the mosaic where fills read ("last seen"),
 *    then replace the fill region from the mosaic, cross-faded at the edge, and encode.
 *
 * So a frame's hole takes the most recent earlier view of that place when there is one and otherwise the
 * earliest later view — the temporally nearest in whichever direction has it — which a forward and a backward
 * propagation would give, without holding frames or decoding backwards. Decoding runs in ffmpeg processes
 * alongside the JavaScript, which touches only the region's box and the mosaic's needed box per frame.
 */
import { openFrameWriter, readFrames } from './frames.js';
import { composeFill } from './inpaint/compose.js';
import { DEFAULT_FILL_MASK, FillMask, type FillMaskOptions } from './inpaint/fill-mask.js';
import { type Box, yuvPlanes } from './inpaint/frame.js';
import { MotionEstimator } from './inpaint/motion.js';
import { MADE, Mosaic, type MosaicPlanes, UNKNOWN } from './inpaint/mosaic.js';
import { fillFromBoundary } from './inpaint/spatial-fill.js';
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

// Frames decoded ahead of the fill: the decoders keep working through frames whose fill takes longer.
const READ_AHEAD = 3;

// Pass 1 is about a third of the work (no encode).
const FIRST_PASS_SHARE = 0.35;

export async function removeObject(options: RemoveObjectOptions): Promise<RemovalStats> {
  const { width, height, signal } = options;
  const fill = new FillMask(width, height, options.fill ?? DEFAULT_FILL_MASK);
  const motion = new MotionEstimator(width, height);
  const mosaic = new Mosaic(width, height);
  const offsets: number[] = [];
  const report = progress(options);
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
    report((offsets.length / 2) * FIRST_PASS_SHARE);
  }
  const frames = offsets.length / 2;
  if (!frames) throw new MediaError(`${options.video} has no frames to process`, options.video);
  const { needed, neverSeen } = fillNeverSeen(mosaic);
  if (signal?.aborted) throw abortReason(signal);

  const writer = openFrameWriter(options.output, { width, height, fps: options.fps, pixFmt: 'yuv420p', audioFrom: options.audioFrom, signal });
  // The frame before is still being handed to the encoder while this one is filled; each frame is its own
  // buffer, so the two never share memory.
  let writing: Promise<void> | undefined;
  try {
    let index = 0;
    for await (const [video, mask] of framePairs(options)) {
      if (index >= frames) throw changed(options);
      fill.decode(mask);
      const planes = yuvPlanes(video, width, height);
      const fx = offsets[2 * index]!;
      const fy = offsets[2 * index + 1]!;
      // Either order: the fill writes only where the weights are above 0, and recordLast reads only where they are 0.
      composeFill(planes, fill, mosaic, fx, fy);
      mosaic.recordLast(planes, fx, fy, fill);
      await writing;
      writing = writer.write(video);
      // Rejections surface at the next await of `writing`; until then this keeps them from counting as unhandled.
      writing.catch(() => undefined);
      index++;
      report(frames * FIRST_PASS_SHARE + index * (1 - FIRST_PASS_SHARE));
    }
    await writing;
    if (index !== frames) throw changed(options);
    await writer.end();
  } catch (error) {
    writer.abort();
    throw error;
  }
  return { frames, framesWithMask, neededPixels: needed, neverSeenPixels: neverSeen, panX: mosaic.width - width, panY: mosaic.height - height };
}

/** Spatially fills the needed places no frame showed; returns how many luma places were needed and how many of them that was. */
function fillNeverSeen(mosaic: Mosaic): { needed: number; neverSeen: number } {
  const counts = fillPlanes(mosaic.luma);
  fillPlanes(mosaic.chroma);
  return counts;
}

function fillPlanes(planes: MosaicPlanes): { needed: number; neverSeen: number } {
  const { width, height, state } = planes;
  let needed = 0;
  let neverSeen = 0;
  let hole: Box | undefined;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = y * width + x;
      if (!planes.needed[g]) continue;
      needed++;
      if (state[g] !== UNKNOWN) continue;
      neverSeen++;
      hole = hole ? { x0: Math.min(hole.x0, x), y0: Math.min(hole.y0, y), x1: Math.max(hole.x1, x + 1), y1: Math.max(hole.y1, y + 1) } : { x0: x, y0: y, x1: x + 1, y1: y + 1 };
    }
  }
  if (!hole) return { needed, neverSeen };
  // Context around the hole: as wide as the hole itself, so even its middle is filled from real surroundings.
  const margin = Math.max(8, hole.x1 - hole.x0, hole.y1 - hole.y0);
  const area = { x0: Math.max(0, hole.x0 - margin), y0: Math.max(0, hole.y0 - margin), x1: Math.min(width, hole.x1 + margin), y1: Math.min(height, hole.y1 + margin) };
  const known = new Uint8Array(state.length);
  for (let y = area.y0; y < area.y1; y++) for (let x = area.x0; x < area.x1; x++) known[y * width + x] = state[y * width + x] !== UNKNOWN ? 1 : 0;
  fillFromBoundary(planes.values, width, known, planes.needed, area);
  for (let y = hole.y0; y < hole.y1; y++) {
    for (let x = hole.x0; x < hole.x1; x++) {
      const g = y * width + x;
      if (planes.needed[g] && state[g] === UNKNOWN) state[g] = MADE;
    }
  }
  return { needed, neverSeen };
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

function progress(options: RemoveObjectOptions): (done: number) => void {
  const total = options.frames;
  let reported = 0;
  return (done) => {
    if (!options.onProgress || !total) return;
    const fraction = Math.min(1, done / total);
    if (fraction - reported >= 0.02 || fraction === 1) {
      reported = fraction;
      options.onProgress(fraction);
    }
  };
}
