import type { Level } from './luma-pyramid.js';

/** How the picture moved between two frames, in whole pixels: current(x, y) shows previous(x + dx, y + dy). */
export interface Shift {
  dx: number;
  dy: number;
}

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
 * The whole-pixel translation between two frames, coarse to fine, on small luma with the fill region left out,
 * so the object's own motion cannot pass for the camera's. It starts the similarity estimate: a pan of up to
 * ±6 coarsest-level pixels a frame, found without any guess.
 *
 * Several hypotheses go down the pyramid, not one: a repeating pattern (tiles, a fence, a striped shirt) makes
 * the coarsest level ambiguous, and only finer levels tell the candidates apart. Besides the coarse search's
 * best few, a still camera and `hint` (the motion of the frame before: cameras move smoothly) are tried.
 */
export function wholePixelShift(levels: Level[], before: Level[], full: Level, beforeFull: Level, hint: Shift): Shift {
  const coarsest = levels.length - 1;
  const top = levels[coarsest]!.scale;
  const starts = [...bestShifts(levels[coarsest]!, before[coarsest]!, COARSE_RADIUS, CANDIDATES), { dx: 0, dy: 0 }, { dx: Math.round(hint.dx / top), dy: Math.round(hint.dy / top) }];
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
  const s = levels[0]!.scale;
  return s === 1 ? best.shift : search(full, beforeFull, best.shift.dx * s, best.shift.dy * s, s / 2, SAMPLES / 2).shift;
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
