import type { Box } from './frame.js';

/** One resolution of a frame's luma, with where the fill region lies, for motion estimation. */
export interface Level {
  w: number;
  h: number;
  /** Size of one pixel of this level in full-resolution pixels. */
  scale: number;
  luma: Uint8Array;
  /** Not 0 where a fill-region pixel lies under the pixel: left out of comparisons. */
  blocked: Uint8Array;
  /** Where `blocked` may be non-zero (full resolution only). */
  box?: Box;
  /**
   * Pyramid levels only: luma, or −1 where blocked — one read per pixel in the searches' inner loops instead
   * of two, which is most of their time.
   */
  samples?: Int16Array;
}

// Widest level the pyramid starts at, and narrowest it goes down to. At 80 px a search of ±6 covers a pan of
// ±6·scale full pixels per frame (±96 px for 720p); coarser levels would blur away the detail that tells a
// repeating pattern's periods apart.
const BASE_WIDTH = 320;
export const COARSEST_WIDTH = 80;

/** Full-resolution position of the centre of level pixel i, for a level of pixels `scale` wide. */
export function toFull(i: number, scale: number): number {
  return scale * i + (scale - 1) / 2;
}

/**
 * A frame's luma at full resolution (by reference) and as a pyramid of small copies, each frame's buffers
 * reused for the frame after next (the estimator compares two frames at a time).
 */
export class LumaPyramid {
  /** Full-resolution pixels per base-level pixel: a power of two. */
  readonly baseScale: number;
  private spare: Level[] | undefined;
  private spareFull: Level | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    let scale = 1;
    while (width / scale > BASE_WIDTH && height / scale >= 64) scale *= 2;
    this.baseScale = scale;
  }

  /**
   * The frame at full resolution and as pyramid levels (base first). The buffers are those of the frame before
   * last, which the caller must be done with.
   */
  build(luma: Uint8Array, weight: Uint8Array, box: Box | undefined): { full: Level; levels: Level[] } {
    const full = this.fullLevel(luma, weight, box);
    const levels = this.pyramid(luma, weight, box);
    return { full, levels };
  }

  /** Hands back the buffers of a frame no longer compared, for the next frame to reuse. */
  recycle(full: Level | undefined, levels: Level[] | undefined): void {
    this.spareFull = full;
    this.spare = levels;
  }

  /** The frame's luma by reference (frames are not changed while they are compared), its fill weights copied. */
  private fullLevel(luma: Uint8Array, weight: Uint8Array, box: Box | undefined): Level {
    const { width, height } = this;
    const spare = this.spareFull;
    this.spareFull = undefined;
    const blocked = spare?.blocked ?? new Uint8Array(width * height);
    if (spare?.box) for (let y = spare.box.y0; y < spare.box.y1; y++) blocked.fill(0, y * width + spare.box.x0, y * width + spare.box.x1);
    if (box) for (let y = box.y0; y < box.y1; y++) blocked.set(weight.subarray(y * width + box.x0, y * width + box.x1), y * width + box.x0);
    return { w: width, h: height, scale: 1, luma, blocked, box };
  }

  private pyramid(luma: Uint8Array, weight: Uint8Array, box: Box | undefined): Level[] {
    const s = this.baseScale;
    const { width, height } = this;
    const w = Math.max(1, Math.floor(width / s));
    const h = Math.max(1, Math.floor(height / s));
    const spare = this.spare;
    this.spare = undefined;
    const base = reuse(spare?.[0], w, h, s);
    // The centre 2×2 of each s×s block stands for it: enough against aliasing for motion, a quarter of the reads.
    const o = s > 1 ? s / 2 - 1 : 0;
    for (let y = 0; y < h; y++) {
      const r0 = (y * s + o) * width;
      const r1 = s > 1 ? r0 + width : r0;
      for (let x = 0; x < w; x++) {
        const c = x * s + o;
        base.luma[y * w + x] = s > 1 ? (luma[r0 + c]! + luma[r0 + c + 1]! + luma[r1 + c]! + luma[r1 + c + 1]! + 2) >> 2 : luma[r0 + c]!;
      }
    }
    if (box) {
      // Per row, the span from the first to the last fill pixel, rather than each pixel: the same for a solid
      // object and a little more for a ragged one, which only leaves out a little more of the picture. s is a
      // power of two: shifts instead of divisions.
      const shift = Math.log2(s);
      const blocked = base.blocked;
      const last = w - 1;
      for (let y = box.y0; y < box.y1; y++) {
        const by = y >> shift;
        if (by >= h) break;
        const row = y * width;
        let x0 = box.x0;
        while (x0 < box.x1 && !weight[row + x0]) x0++;
        if (x0 === box.x1) continue;
        let x1 = box.x1 - 1;
        while (!weight[row + x1]) x1--;
        blocked.fill(1, by * w + Math.min(last, x0 >> shift), by * w + Math.min(last, x1 >> shift) + 1);
      }
    }
    withSamples(base);
    const levels = [base];
    for (let top = base; top.w >= 2 * COARSEST_WIDTH && top.h >= 32; top = levels[levels.length - 1]!) levels.push(halve(top, spare?.[levels.length]));
    return levels;
  }
}

/** A level of the given size, in `old`'s buffers when it has that size, with nothing blocked. */
function reuse(old: Level | undefined, w: number, h: number, scale: number): Level {
  if (old && old.w === w && old.h === h) {
    old.blocked.fill(0);
    return old;
  }
  return { w, h, scale, luma: new Uint8Array(w * h), blocked: new Uint8Array(w * h), samples: new Int16Array(w * h) };
}

function withSamples(level: Level): void {
  const samples = (level.samples ??= new Int16Array(level.w * level.h));
  const { luma, blocked } = level;
  for (let i = 0; i < samples.length; i++) samples[i] = blocked[i] ? -1 : luma[i]!;
}

function halve(level: Level, old: Level | undefined): Level {
  const w = level.w >> 1;
  const h = level.h >> 1;
  const out = reuse(old, w, h, level.scale * 2);
  const { luma, blocked } = out;
  const W = level.w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * W + 2 * x;
      luma[y * w + x] = (level.luma[i]! + level.luma[i + 1]! + level.luma[i + W]! + level.luma[i + W + 1]! + 2) >> 2;
      blocked[y * w + x] = level.blocked[i]! | level.blocked[i + 1]! | level.blocked[i + W]! | level.blocked[i + W + 1]!;
    }
  }
  withSamples(out);
  return out;
}
