import type { Box } from './frame.js';

/** How the picture moved between two frames: current(x, y) shows what previous(x + dx, y + dy) showed. */
export interface Shift {
  dx: number;
  dy: number;
}

interface Level {
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
   * Pyramid levels only: luma, or −1 where blocked — one read per pixel in the search's inner loop instead of
   * two, which is most of the estimator's time.
   */
  samples?: Int16Array;
}

// Widest level the pyramid starts at, and narrowest it goes down to. At 80 px a search of ±COARSE_RADIUS
// covers a pan of ±COARSE_RADIUS·scale full pixels per frame (±96 px for 720p); coarser levels would blur
// away the detail that tells a repeating pattern's periods apart.
const BASE_WIDTH = 320;
const COARSEST_WIDTH = 80;
const COARSE_RADIUS = 6;
// Differences beyond this count as this much: a person walking through the shot or a flash must not
// outvote the background.
const TRUNCATE = 40;
const SAMPLES = 2048;
/** Fewer comparable samples than this fraction of the grid and a shift is not trusted. */
const MIN_OVERLAP = 0.25;
/** Coarse-level hypotheses refined down the pyramid. */
const CANDIDATES = 3;

/**
 * Global translation between consecutive frames, coarse to fine, on small luma. The fill region (where the
 * object is) is left out of the comparison so the object's own motion cannot pass for the camera's.
 *
 * Translation only: a pan or tilt is handled, a zoom or rotation is not. Whole pixels only: a pan of a
 * fraction of a pixel per frame accumulates in whole-pixel steps, so a filled pixel can come from up to half a
 * pixel away.
 */
export class MotionEstimator {
  private previous: Level[] | undefined;
  /** The pyramid of the frame before last, whose buffers the next frame's pyramid reuses. */
  private spare: Level[] | undefined;
  private previousFull: Level | undefined;
  private spareFull: Level | undefined;
  private last: Shift = { dx: 0, dy: 0 };
  private readonly baseScale: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    let scale = 1;
    while (width / scale > BASE_WIDTH && height / scale >= 64) scale *= 2;
    this.baseScale = scale;
  }

  /**
   * Takes the next frame's luma and fill weights (0 = background); returns its shift from the frame before,
   * {0, 0} for the first frame.
   */
  next(luma: Uint8Array, weight: Uint8Array, box: Box | undefined): Shift {
    const full = this.fullLevel(luma, weight, box);
    const levels = this.pyramid(luma, weight, box);
    const before = this.previous;
    const beforeFull = this.previousFull;
    this.spare = before;
    this.previous = levels;
    this.previousFull = full;
    if (!before || !beforeFull) return { dx: 0, dy: 0 };

    // Several hypotheses go down the pyramid, not one: a repeating pattern (tiles, a fence, a striped shirt)
    // makes the coarsest level ambiguous, and only finer levels tell the candidates apart. Besides the coarse
    // search's best few, a still camera and the previous frame's motion (cameras move smoothly) are tried.
    const coarsest = levels.length - 1;
    const top = 2 ** coarsest;
    const starts = [...bestShifts(levels[coarsest]!, before[coarsest]!, COARSE_RADIUS, CANDIDATES), { dx: 0, dy: 0 }, { dx: Math.round(this.last.dx / (top * this.baseScale)), dy: Math.round(this.last.dy / (top * this.baseScale)) }];
    // Down to the base level for each distinct hypothesis; only the best goes on to full resolution.
    const tried = new Set<string>();
    let best = { shift: { dx: 0, dy: 0 }, cost: Infinity };
    for (const start of starts) {
      const key = `${start.dx},${start.dy}`;
      if (tried.has(key)) continue;
      tried.add(key);
      let found = { shift: start, cost: Infinity };
      for (let k = coarsest - 1; k >= 0; k--) found = search(levels[k]!, before[k]!, found.shift.dx * 2, found.shift.dy * 2, 1);
      if (coarsest === 0) found = search(levels[0]!, before[0]!, start.dx, start.dy, 0);
      if (found.cost < best.cost) best = found;
    }
    const s = this.baseScale;
    const shift = s === 1 ? best.shift : search(full, beforeFull, best.shift.dx * s, best.shift.dy * s, s / 2, SAMPLES / 2).shift;
    this.last = shift;
    return shift;
  }

  /**
   * The frame at full resolution: its luma by reference (frames are not reused while they are compared), its
   * fill weights copied, in the buffer the frame before last used.
   */
  private fullLevel(luma: Uint8Array, weight: Uint8Array, box: Box | undefined): Level {
    const { width, height } = this;
    const spare = this.spareFull;
    const blocked = spare?.blocked ?? new Uint8Array(width * height);
    if (spare?.box) for (let y = spare.box.y0; y < spare.box.y1; y++) blocked.fill(0, y * width + spare.box.x0, y * width + spare.box.x1);
    if (box) for (let y = box.y0; y < box.y1; y++) blocked.set(weight.subarray(y * width + box.x0, y * width + box.x1), y * width + box.x0);
    this.spareFull = this.previousFull;
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
      // s is a power of two: shifts instead of divisions in this per-pixel loop.
      const shift = Math.log2(s);
      const blocked = base.blocked;
      const last = w - 1;
      for (let y = box.y0; y < box.y1; y++) {
        const by = y >> shift;
        if (by >= h) break;
        const row = y * width;
        const brow = by * w;
        for (let x = box.x0; x < box.x1; x++) {
          if (!weight[row + x]) continue;
          const bx = x >> shift;
          blocked[brow + (bx < last ? bx : last)] = 1;
        }
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

/** The shift within `radius` of (cx, cy) whose truncated mean absolute difference is least, and that cost. */
function search(cur: Level, prev: Level, cx: number, cy: number, radius: number, samples = SAMPLES): { shift: Shift; cost: number } {
  const step = sampleStep(cur, samples);
  const grid = Math.ceil(cur.w / step) * Math.ceil(cur.h / step);
  let shift = { dx: cx, dy: cy };
  let cost = Infinity;
  for (let dy = cy - radius; dy <= cy + radius; dy++) {
    for (let dx = cx - radius; dx <= cx + radius; dx++) {
      const c = difference(cur, prev, dx, dy, step, grid) + bias(dx, dy);
      if (c < cost) {
        cost = c;
        shift = { dx, dy };
      }
    }
  }
  return { shift, cost };
}

/** The `count` best local minima of the cost over every shift within `radius` of (0, 0). */
function bestShifts(cur: Level, prev: Level, radius: number, count: number): Shift[] {
  // Twenty times as many shifts as a refinement: fewer samples each keeps the cost in bounds.
  const step = sampleStep(cur, SAMPLES / 4);
  const grid = Math.ceil(cur.w / step) * Math.ceil(cur.h / step);
  const side = 2 * radius + 1;
  const costs = new Float64Array(side * side);
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) costs[(dy + radius) * side + dx + radius] = difference(cur, prev, dx, dy, step, grid) + bias(dx, dy);
  }
  const minima: { shift: Shift; cost: number }[] = [];
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const c = costs[y * side + x]!;
      if (c === Infinity) continue;
      let lowest = true;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(side - 1, y + 1) && lowest; ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(side - 1, x + 1); nx++) if ((nx !== x || ny !== y) && costs[ny * side + nx]! < c) lowest = false;
      }
      if (lowest) minima.push({ shift: { dx: x - radius, dy: y - radius }, cost: c });
    }
  }
  return minima.sort((a, b) => a.cost - b.cost).slice(0, count).map((m) => m.shift);
}

/** A hair of preference for small motion, so a flat picture (every shift alike) reads as still. */
function bias(dx: number, dy: number): number {
  return 1e-3 * (Math.abs(dx) + Math.abs(dy));
}

function sampleStep(level: Level, samples = SAMPLES): number {
  return Math.max(1, Math.round(Math.sqrt((level.w * level.h) / samples)));
}

function difference(cur: Level, prev: Level, dx: number, dy: number, step: number, grid: number): number {
  if (cur.samples && prev.samples) return sampleDifference(cur.samples, prev.samples, cur.w, cur.h, dx, dy, step, grid);
  const { w, h } = cur;
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(w, w - dx);
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(h, h - dy);
  const xs = Math.ceil(x0 / step) * step;
  const { luma: cl, blocked: cb } = cur;
  const { luma: pl, blocked: pb } = prev;
  let sum = 0;
  let count = 0;
  // Samples on a grid anchored to the frame, so the overlap does not shift the grid.
  for (let y = Math.ceil(y0 / step) * step; y < y1; y += step) {
    const row = y * w;
    const offset = (y + dy) * w + dx - row;
    for (let i = row + xs, end = row + x1; i < end; i += step) {
      // 1 when neither pixel is blocked (both bytes 0).
      const valid = ((cb[i]! | pb[i + offset]!) - 1) >>> 31;
      const t = truncated(cl[i]! - pl[i + offset]!);
      sum += t & -valid;
      count += valid;
    }
  }
  return count < MIN_OVERLAP * grid ? Infinity : sum / count;
}

/**
 * `difference` over two levels' `samples`: the same sums, one read per pixel. Branch-free, like the above:
 * on noisy pictures the branches mispredicted often enough to take three quarters of the estimator's time.
 */
function sampleDifference(cur: Int16Array, prev: Int16Array, w: number, h: number, dx: number, dy: number, step: number, grid: number): number {
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(w, w - dx);
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(h, h - dy);
  const xs = Math.ceil(x0 / step) * step;
  let sum = 0;
  let count = 0;
  for (let y = Math.ceil(y0 / step) * step; y < y1; y += step) {
    const row = y * w;
    const offset = (y + dy) * w + dx - row;
    for (let i = row + xs, end = row + x1; i < end; i += step) {
      const a = cur[i]!;
      const b = prev[i + offset]!;
      // 1 when neither is blocked (−1): both sign bits clear.
      const valid = ~(a | b) >>> 31;
      sum += truncated(a - b) & -valid;
      count += valid;
    }
  }
  return count < MIN_OVERLAP * grid ? Infinity : sum / count;
}

/** min(|d|, TRUNCATE) without branches, for |d| < 2³¹. */
function truncated(d: number): number {
  const sign = d >> 31;
  const magnitude = (d ^ sign) - sign;
  const over = magnitude - TRUNCATE;
  return TRUNCATE + (over & (over >> 31));
}
