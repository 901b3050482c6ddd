/**
 * The two passes of removeObject (see remove-object.ts for the design), run together: pass 1 decodes, records
 * and hands frames on; pass 2 fills and encodes them behind it.
 */
import { FrameCursor } from './frame-cursor.js';
import { openFrameWriter, readFrames } from './frames.js';
import { composeFill } from './inpaint/compose.js';
import { DEFAULT_FILL_MASK, FillMask } from './inpaint/fill-mask.js';
import { CameraPath } from './inpaint/camera-path.js';
import { yuvPlanes } from './inpaint/frame.js';
import type { Handoff } from './inpaint/handoff.js';
import { MotionEstimator } from './inpaint/motion.js';
import type { Mosaic } from './inpaint/mosaic.js';
import { fillNeverSeen } from './inpaint/never-seen.js';
import type { PassProgress } from './inpaint/pass-progress.js';
import type { Similarity } from './inpaint/similarity.js';
import { TextureSpeculation } from './inpaint/texture-speculation.js';
import { TextureThread } from './inpaint/texture-thread.js';
import { abortReason } from './process.js';
import type { RemovalStats, RemoveObjectOptions } from './remove-object.js';
import { MediaError } from './types.js';

/** A decoded frame, its index and its packed fill region (FillMask.pack), on their way from pass 1 to pass 2. */
export interface HandedFrame {
  index: number;
  video: Buffer;
  fill: Uint8Array;
}

/** What the two passes share: pass 1 writes, pass 2 reads behind it. */
export interface Pass {
  options: RemoveObjectOptions;
  mosaic: Mosaic;
  /** Per frame recorded by pass 1: its placement in the mosaic (frame pixel → global position). */
  placements: Similarity[];
  handoff: Handoff<HandedFrame>;
  first: PassProgress;
  second: PassProgress;
  /** Set by pass 1 once it has finished. */
  counts?: Omit<RemovalStats, 'panX' | 'panY'>;
  /** Video frames pass 2 has encoded, for pass 1's decoder to decode into again (see ReadFramesOptions.pool). */
  spent: Buffer[];
  report: (pass: 1 | 2, frames: number) => void;
}

// Frames decoded ahead of the fill: the decoders keep working through frames whose fill takes longer.
const READ_AHEAD = 3;

// Frames pass 1 may be ahead while pass 2 is busy rather than waiting for it: enough to even out the passes'
// uneven pace. Further ahead only while pass 2 waits for a place to be uncovered, up to the handoff's budget.
const STEADY_LEAD = 6;

export async function firstPass(pass: Pass): Promise<void> {
  const { options, mosaic, placements, handoff, first, second } = pass;
  const { width, height, signal } = options;
  const fill = new FillMask(width, height, options.fill ?? DEFAULT_FILL_MASK);
  const motion = new MotionEstimator(width, height);
  const path = new CameraPath(width, height);
  let framesWithMask = 0;
  const spentMasks: Buffer[] = [];
  const thread = options.synthesizeAhead === false ? undefined : TextureThread.open();
  const ahead = thread && new TextureSpeculation(mosaic, thread);
  // A stop does not wait for a synthesis under way to finish.
  const stopThread = (): void => thread?.cancel();
  signal?.addEventListener('abort', stopThread, { once: true });
  try {
    for await (const [video, mask] of framePairs(options, pass.spent, spentMasks)) {
      const box = fill.decode(mask);
      spentMasks.push(mask);
      if (box) framesWithMask++;
      const planes = yuvPlanes(video, width, height);
      const placement = path.next(motion.next(planes.y, fill.weight, box));
      placements.push(placement);
      const firstSeen = mosaic.recordFirst(planes, placement, fill, placements.length - 1);
      ahead?.afterFrame(firstSeen, second.blocked);
      const index = placements.length - 1;
      // Never waits while pass 2 waits for this pass: that would deadlock, so the queue outgrows its budget
      // and is dropped instead.
      while (!handoff.overflowed && handoff.length >= STEADY_LEAD && !second.blocked) await second.changed();
      // Once the queue was dropped, pass 2 decodes the files again itself. When it no longer waits for this pass
      // (the object has uncovered what it hid), this pass lets it catch up and hands frames over again, so a long
      // wait at the start of a clip does not cost a second decode of all the rest.
      while (handoff.overflowed && !second.blocked && !second.finished && index - second.frames > STEADY_LEAD) await second.changed();
      if (handoff.overflowed && index - second.frames <= STEADY_LEAD) handoff.resume();
      const packed = fill.pack();
      handoff.add({ index, video, fill: packed }, video.length + packed.length);
      first.advance();
      pass.report(1, first.frames);
    }
    if (!first.frames) throw new MediaError(`${options.video} has no frames to process`, options.video);
    const { needed, neverSeen } = await fillNeverSeen(mosaic, ahead);
    if (signal?.aborted) throw abortReason(signal);
    pass.counts = { frames: first.frames, framesWithMask, neededPixels: needed, neverSeenPixels: neverSeen };
    first.finish();
  } finally {
    signal?.removeEventListener('abort', stopThread);
    thread?.release();
  }
}

export async function secondPass(pass: Pass): Promise<void> {
  const { options, mosaic, placements, handoff, first, second } = pass;
  const { width, height, signal } = options;
  const fill = new FillMask(width, height, options.fill ?? DEFAULT_FILL_MASK);
  // Used only once the handoff has been dropped: they catch up with this pass's frame.
  const videos = new FrameCursor(options.video, { pixFmt: 'yuv420p', width, height, readAhead: READ_AHEAD, signal });
  const masks = new FrameCursor(options.mask, { pixFmt: 'gray', width, height, readAhead: READ_AHEAD, signal });
  const waitForFirst = async (ready: () => boolean): Promise<void> => {
    if (ready()) return;
    second.setBlocked(true);
    while (!ready()) await first.changed();
    second.setBlocked(false);
  };
  const writer = openFrameWriter(options.output, { width, height, fps: options.fps, pixFmt: 'yuv420p', audioFrom: options.audioFrom, lossless: options.lossless, signal });
  // The frame before is still being handed to the encoder while this one is filled; each frame is its own
  // buffer, so the two never share memory.
  let writing: Promise<void> | undefined;
  try {
    for (let index = 0; ; index++) {
      // One frame behind at least: pass 1's motion estimate still reads this frame's luma (outside the region,
      // which is all the fill changes, but there is no need to rely on that).
      await waitForFirst(() => first.frames > index + 1 || first.finished);
      if (index >= first.frames) break;
      // The queue holds this frame unless it was dropped: after a drop it starts again at a later frame.
      const handed = handoff.peek()?.index === index ? handoff.take() : undefined;
      second.advance();
      const video = handed?.video ?? (await videos.at(index));
      if (!video) throw changed(options.video);
      if (handed) fill.unpack(handed.fill);
      else {
        const mask = await masks.at(index);
        if (!mask) throw changed(options.mask);
        fill.decode(mask);
      }
      const placement = placements[index]!;
      // The scan resumes where it last found a place without a value: places only ever gain one.
      let unknown = 0;
      await waitForFirst(() => first.finished || (unknown = mosaic.firstUnknown(fill, placement, unknown)) < 0);
      const planes = yuvPlanes(video, width, height);
      // Either order: the fill writes only where the weights are above 0, and recordLast reads only where they are 0.
      composeFill(planes, fill, mosaic, placement);
      mosaic.recordLast(planes, placement, fill, index);
      await writing;
      // Pass 1 is done with the frame (it is a frame ahead, see above), and so is the encoder once this resolves.
      writing = writer.write(video).then(() => void (handed && pass.spent.push(video)));
      // Rejections surface at the next await of `writing`; until then this keeps them from counting as unhandled.
      writing.catch(() => undefined);
      pass.report(2, index + 1);
    }
    await writing;
    await writer.end();
    second.finish();
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    await Promise.all([videos.close(), masks.close()]);
  }
}

/** Video (yuv420p) and mask (gray) frames in step; the next pair is already being read while one is worked on. */
async function* framePairs(options: RemoveObjectOptions, videoPool: Buffer[], maskPool: Buffer[]): AsyncGenerator<[Buffer, Buffer], void, undefined> {
  const { width, height, signal } = options;
  const video = readFrames(options.video, { pixFmt: 'yuv420p', width, height, readAhead: READ_AHEAD, pool: videoPool, signal });
  const mask = readFrames(options.mask, { pixFmt: 'gray', width, height, readAhead: READ_AHEAD, pool: maskPool, signal });
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

function changed(file: string): MediaError {
  return new MediaError(`${file} decoded to fewer frames the second time; was it changed while being read?`, file);
}
