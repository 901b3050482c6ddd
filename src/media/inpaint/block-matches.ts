import type { Level } from './luma-pyramid.js';
import { applyX, applyY, type Similarity } from './similarity.js';

/** Block centre (x, y) of the current frame and where the previous frame shows it, (u, v), in level pixels. */
export interface Matches {
  count: number;
  x: Float64Array;
  y: Float64Array;
  u: Float64Array;
  v: Float64Array;
}

const BLOCK = 8;
/** Blocks tried per frame, on a regular grid: enough for a robust fit, few enough to search each cheaply. */
const TARGET_BLOCKS = 160;
/**
 * Least eigenvalue of a block's gradient structure tensor, per pixel, below which it is not matched: a flat
 * block matches anywhere, and a block with one straight edge only across the edge (the aperture problem).
 */
const MIN_TEXTURE = 2;

/**
 * Where each textured block of `cur`, fully outside the fill region, lies in `prev`: the best sum of squared
 * differences within `radius` level pixels of where `predicted` (current → previous, level coordinates) puts
 * it, refined to a fraction of a pixel by a parabola through the neighbouring costs. A best match on the edge of
 * the search window is dropped, as is one that overlaps the previous frame's fill region: its true place may
 * lie outside the window, or under the object.
 */
export function blockMatches(cur: Level, prev: Level, predicted: Similarity, radius: number, out?: Matches): Matches {
  const { w, h } = cur;
  const cs = cur.samples!;
  const ps = prev.samples!;
  const step = Math.max(BLOCK, Math.round(Math.sqrt((w * h) / TARGET_BLOCKS)));
  const across = Math.max(0, Math.floor((w - BLOCK) / step) + 1);
  const down = Math.max(0, Math.floor((h - BLOCK) / step) + 1);
  const capacity = across * down;
  const matches = out && out.x.length >= capacity ? out : newMatches(capacity);
  matches.count = 0;
  // The grid is centred, so the frame's edges are sampled alike.
  const left = (w - BLOCK - (across - 1) * step) >> 1;
  const top = (h - BLOCK - (down - 1) * step) >> 1;
  const side = 2 * radius + 1;
  for (let j = 0; j < down; j++) {
    const by = top + j * step;
    for (let i = 0; i < across; i++) {
      const bx = left + i * step;
      if (!textured(cs, w, bx, by)) continue;
      const cx = bx + (BLOCK - 1) / 2;
      const cy = by + (BLOCK - 1) / 2;
      const ox = Math.round(applyX(predicted, cx, cy) - cx);
      const oy = Math.round(applyY(predicted, cx, cy) - cy);
      let best = Infinity;
      let bi = -1;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const c = blockCost(cs, ps, w, h, bx, by, bx + ox + dx, by + oy + dy, best);
          if (c < best) {
            best = c;
            bi = (dy + radius) * side + dx + radius;
          }
        }
      }
      if (bi < 0) continue;
      const ix = bi % side;
      const iy = (bi - ix) / side;
      if (ix === 0 || iy === 0 || ix === side - 1 || iy === side - 1) continue;
      // The neighbours' costs in full (the search stopped summing them once they passed the best).
      const mx = bx + ox + ix - radius;
      const my = by + oy + iy - radius;
      const fx = vertex(blockCost(cs, ps, w, h, bx, by, mx - 1, my, Infinity), best, blockCost(cs, ps, w, h, bx, by, mx + 1, my, Infinity));
      const fy = vertex(blockCost(cs, ps, w, h, bx, by, mx, my - 1, Infinity), best, blockCost(cs, ps, w, h, bx, by, mx, my + 1, Infinity));
      const n = matches.count++;
      matches.x[n] = cx;
      matches.y[n] = cy;
      matches.u[n] = cx + ox + ix - radius + fx;
      matches.v[n] = cy + oy + iy - radius + fy;
    }
  }
  return matches;
}

function newMatches(capacity: number): Matches {
  return { count: 0, x: new Float64Array(capacity), y: new Float64Array(capacity), u: new Float64Array(capacity), v: new Float64Array(capacity) };
}

/** True when the block at (bx, by) has no blocked sample and texture in two directions. */
function textured(samples: Int16Array, w: number, bx: number, by: number): boolean {
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let y = by; y < by + BLOCK; y++) {
    const row = y * w;
    for (let x = bx; x < bx + BLOCK; x++) if (samples[row + x]! < 0) return false;
  }
  for (let y = by; y < by + BLOCK - 1; y++) {
    const row = y * w;
    for (let x = bx; x < bx + BLOCK - 1; x++) {
      const c = samples[row + x]!;
      const gx = samples[row + x + 1]! - c;
      const gy = samples[row + w + x]! - c;
      xx += gx * gx;
      yy += gy * gy;
      xy += gx * gy;
    }
  }
  const half = (xx + yy) / 2;
  const least = half - Math.sqrt(((xx - yy) / 2) ** 2 + xy * xy);
  return least >= MIN_TEXTURE * (BLOCK - 1) * (BLOCK - 1);
}

/**
 * Sum of squared differences of the block at (bx, by) of `cur` and at (px, py) of `prev`; Infinity when that
 * leaves the frame or meets the fill region. Stops early, with a partial sum, once it reaches `bound`.
 */
function blockCost(cur: Int16Array, prev: Int16Array, w: number, h: number, bx: number, by: number, px: number, py: number, bound: number): number {
  if (px < 0 || py < 0 || px + BLOCK > w || py + BLOCK > h) return Infinity;
  let sum = 0;
  for (let y = 0; y < BLOCK; y++) {
    const c = (by + y) * w + bx;
    const p = (py + y) * w + px;
    for (let x = 0; x < BLOCK; x++) {
      const b = prev[p + x]!;
      if (b < 0) return Infinity;
      const d = cur[c + x]! - b;
      sum += d * d;
    }
    if (sum >= bound) return sum;
  }
  return sum;
}

/** Offset of the lowest point of the parabola through (−1, a), (0, b), (1, c), within ±0.5. */
function vertex(a: number, b: number, c: number): number {
  const curvature = a - 2 * b + c;
  if (!(curvature > 0) || !Number.isFinite(curvature)) return 0;
  return Math.max(-0.5, Math.min(0.5, (a - c) / (2 * curvature)));
}
