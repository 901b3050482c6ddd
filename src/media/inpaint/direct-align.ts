import type { Box } from './frame.js';
import type { Level } from './luma-pyramid.js';
import { compose, invert, type Similarity } from './similarity.js';

/**
 * A frame to align with: its luma smoothed (see `smoothed`), and where its fill region lies, grown by the
 * smoothing's reach.
 */
export interface Reference {
  w: number;
  h: number;
  values: Float32Array;
  blocked: Uint8Array;
  box: Box | undefined;
}

/** Pixels whose gradient is compared, at most: the fit's precision grows with their square root. */
const TARGET_SAMPLES = 8000;
/** Squared luma gradient (levels per pixel) below which a pixel says too little about motion to be worth its time. */
const MIN_GRADIENT2 = 9;
const MAX_ITERATIONS = 6;
/** Largest move of a frame corner, in pixels, under which an update counts as converged. */
const CONVERGED = 0.005;
/** Tukey's biweight constant: 95 % efficiency on Gaussian noise, no influence from larger residuals. */
const TUKEY = 4.685;
/** Least residual scale (levels): compression and grain never make two views of one place agree better. */
const MIN_SIGMA = 1;
const FEW_SAMPLES = 64;

/**
 * Sub-pixel refinement of a similarity between two frames on their full-resolution luma: inverse
 * compositional Gauss-Newton (Baker & Matthews, "Lucas-Kanade 20 Years On", 2004) over sampled pixels with a
 * strong gradient, with iteratively reweighted least squares (Tukey's biweight on residuals scaled by their
 * median) so pixels the model does not explain — parallax, something moving nobody masked — lose their say.
 * A brightness offset is fitted alongside, so a change of exposure does not pass for motion. Fill-region
 * pixels of either frame are left out.
 *
 * Both frames are smoothed by a 3×3 binomial first. Without it, grain biases the fit towards half pixels:
 * bilinear sampling between two pixels averages their noise away, so a fractional position matches a noisy
 * frame better than the true whole-pixel one (a still camera read as moving by a tenth of a pixel).
 *
 * Inverse compositional: gradients and Jacobians are the template frame's, computed once (`template`); each
 * iteration of each `align` only resamples the other frame.
 */
export class DirectAligner {
  private capacity = 0;
  private sx = new Float32Array(0);
  private sy = new Float32Array(0);
  private values = new Float32Array(0);
  /** Per sample, the five Jacobian entries: zoom, turn, x, y, brightness (1, implicit). */
  private jacobian = new Float32Array(0);
  private residual = new Float32Array(0);
  private readonly histogram = new Int32Array(256);

  private count = 0;
  private cx = 0;
  private cy = 0;
  private radius = 1;
  private w = 0;
  private h = 0;

  /**
   * Takes the frame to align (the current one): picks its samples and computes their Jacobians, once for any
   * number of `align` calls against other frames. Returns how many samples it has.
   */
  template(cur: Level): number {
    const n = (this.count = this.select(cur));
    const { w, h } = cur;
    // Zoom and turn act on coordinates about the centre, scaled by the half-diagonal: the five unknowns then
    // have like magnitudes, and the normal equations stay well conditioned.
    this.w = w;
    this.h = h;
    this.cx = (w - 1) / 2;
    this.cy = (h - 1) / 2;
    this.radius = Math.hypot(w, h) / 2;
    const { sx, sy, jacobian, cx, cy, radius } = this;
    for (let k = 0; k < n; k++) {
      const gx = jacobian[5 * k + 2]!;
      const gy = jacobian[5 * k + 3]!;
      const x = (sx[k]! - cx) / radius;
      const y = (sy[k]! - cy) / radius;
      jacobian[5 * k] = gx * x + gy * y;
      jacobian[5 * k + 1] = -gx * y + gy * x;
    }
    return n;
  }

  /**
   * Refines `model` (template frame → `other`, full-resolution pixels). Returns it with the share of the
   * samples that `other` shows outside its fill region, or undefined when too few samples remain to say
   * anything (a featureless picture, or frames that barely overlap).
   */
  align(other: Reference, model: Similarity): { model: Similarity; overlap: number } | undefined {
    const n = this.count;
    if (n < FEW_SAMPLES) return undefined;
    let current = model;
    let overlap = 0;
    for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      const step = this.step(other, current);
      if (!step) return iteration ? { model: current, overlap } : undefined;
      overlap = step.valid / n;
      current = compose(current, invert(step.update));
      if (largestMove(step.update, this.w, this.h) < CONVERGED) break;
    }
    return { model: current, overlap };
  }

  /**
   * Picks the samples: a regular grid over the current frame, keeping pixels away from the fill region with a
   * gradient worth fitting; stores their position, value and gradient. Returns how many.
   */
  private select(cur: Level): number {
    const { w, h, luma, blocked, box } = cur;
    const grid = Math.max(2, Math.round(Math.sqrt((w * h) / TARGET_SAMPLES)));
    const most = Math.ceil(w / grid) * Math.ceil(h / grid);
    if (most > this.capacity) {
      this.capacity = most;
      this.sx = new Float32Array(most);
      this.sy = new Float32Array(most);
      this.values = new Float32Array(most);
      this.jacobian = new Float32Array(5 * most);
      this.residual = new Float32Array(most);
    }
    let n = 0;
    // Offset by half a cell and two pixels in from the edge: the smoothed gradient reads two pixels around.
    const start = Math.max(2, grid >> 1);
    for (let y = start; y < h - 2; y += grid) {
      const nearBox = box !== undefined && y >= box.y0 - 2 && y < box.y1 + 2;
      for (let x = start; x < w - 2; x += grid) {
        const i = y * w + x;
        if (nearBox && x >= box.x0 - 2 && x < box.x1 + 2 && blockedAround(blocked, w, i)) continue;
        const gx = (binomial(luma, w, i + 1) - binomial(luma, w, i - 1)) / 2;
        const gy = (binomial(luma, w, i + w) - binomial(luma, w, i - w)) / 2;
        if (gx * gx + gy * gy < MIN_GRADIENT2) continue;
        this.sx[n] = x;
        this.sy[n] = y;
        this.values[n] = binomial(luma, w, i);
        this.jacobian[5 * n + 2] = gx;
        this.jacobian[5 * n + 3] = gy;
        n++;
      }
    }
    return n;
  }

  /**
   * One reweighted Gauss-Newton step: the small similarity to undo from `model`, and how many samples `prev`
   * showed; undefined when there is nothing to fit.
   */
  private step(prev: Reference, model: Similarity): { update: Similarity; valid: number } | undefined {
    const { w, h, values: luma, blocked, box } = prev;
    const { sx, sy, values, residual, histogram, count: n, cx, cy, radius } = this;
    const { a, b, tx, ty } = model;
    histogram.fill(0);
    let valid = 0;
    for (let k = 0; k < n; k++) {
      const x = sx[k]!;
      const y = sy[k]!;
      const u = a * x - b * y + tx;
      const v = b * x + a * y + ty;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= h - 1) {
        residual[k] = NaN;
        continue;
      }
      const i = y0 * w + x0;
      if (box && x0 >= box.x0 - 1 && x0 < box.x1 && y0 >= box.y0 - 1 && y0 < box.y1 && (blocked[i] || blocked[i + 1] || blocked[i + w] || blocked[i + w + 1])) {
        residual[k] = NaN;
        continue;
      }
      const fx = u - x0;
      const fy = v - y0;
      const top = luma[i]! + (luma[i + 1]! - luma[i]!) * fx;
      const bottom = luma[i + w]! + (luma[i + w + 1]! - luma[i + w]!) * fx;
      const r = top + (bottom - top) * fy - values[k]!;
      residual[k] = r;
      const bin = ((r < 0 ? -r : r) * 4) | 0;
      histogram[bin < 255 ? bin : 255]!++;
      valid++;
    }
    if (valid < FEW_SAMPLES) return undefined;
    // The median absolute residual, to a quarter level, from the histogram.
    let seen = 0;
    let bin = 0;
    while (bin < 255 && (seen += histogram[bin]!) < valid / 2) bin++;
    const sigma = Math.max(MIN_SIGMA, 1.4826 * ((bin + 0.5) / 4));
    const c2 = (TUKEY * sigma) ** 2;
    // Normal equations over the five unknowns: zoom, turn, x, y, brightness (whose Jacobian entry is 1).
    let h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h11 = 0, h12 = 0, h13 = 0, h14 = 0, h22 = 0, h23 = 0, h24 = 0, h33 = 0, h34 = 0, h44 = 0;
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
    const J = this.jacobian;
    for (let k = 0; k < n; k++) {
      const r = residual[k]!;
      if (Number.isNaN(r)) continue;
      const t = (r * r) / c2;
      if (t >= 1) continue;
      const weight = (1 - t) * (1 - t);
      const j0 = J[5 * k]!;
      const j1 = J[5 * k + 1]!;
      const j2 = J[5 * k + 2]!;
      const j3 = J[5 * k + 3]!;
      const w0 = weight * j0;
      const w1 = weight * j1;
      const w2 = weight * j2;
      const w3 = weight * j3;
      h00 += w0 * j0; h01 += w0 * j1; h02 += w0 * j2; h03 += w0 * j3; h04 += w0;
      h11 += w1 * j1; h12 += w1 * j2; h13 += w1 * j3; h14 += w1;
      h22 += w2 * j2; h23 += w2 * j3; h24 += w2;
      h33 += w3 * j3; h34 += w3;
      h44 += weight;
      g0 += w0 * r; g1 += w1 * r; g2 += w2 * r; g3 += w3 * r; g4 += weight * r;
    }
    const H = Float64Array.of(
      h00, h01, h02, h03, h04,
      h01, h11, h12, h13, h14,
      h02, h12, h22, h23, h24,
      h03, h13, h23, h33, h34,
      h04, h14, h24, h34, h44,
    );
    const g = Float64Array.of(g0, g1, g2, g3, g4);
    const d = solve(H, g, 5);
    if (!d) return undefined;
    // The update as a similarity in pixels: x ↦ x + (zoom, turn)·(x − c)/radius + (dx, dy).
    const da = d[0]! / radius;
    const db = d[1]! / radius;
    return { update: { a: 1 + da, b: db, tx: d[2]! - (da * cx - db * cy), ty: d[3]! - (db * cx + da * cy) }, valid };
  }
}

/**
 * `level`'s luma smoothed by a 3×3 binomial (edges repeated), and its fill region grown by a pixel, since
 * smoothing spreads the object's pixels by one; into `out`'s buffers when they fit.
 */
export function smoothed(level: Level, out?: Reference): Reference {
  const { w, h, luma, blocked, box } = level;
  const ref: Reference = out && out.w === w && out.h === h ? out : { w, h, values: new Float32Array(w * h), blocked: new Uint8Array(w * h), box: undefined };
  const values = ref.values;
  // Down the columns into `values`, then along each row through a row's buffer; edges repeated. Plain loops
  // with the edges outside them: this runs once per key frame, too rarely for the optimiser to help much.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const up = y > 0 ? row - w : row;
    const down = y < h - 1 ? row + w : row;
    for (let x = 0; x < w; x++) values[row + x] = luma[up + x]! + 2 * luma[row + x]! + luma[down + x]!;
  }
  const line = new Float32Array(w);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    line.set(values.subarray(row, row + w));
    values[row] = (3 * line[0]! + line[1]!) / 16;
    for (let x = 1; x < w - 1; x++) values[row + x] = (line[x - 1]! + 2 * line[x]! + line[x + 1]!) / 16;
    values[row + w - 1] = (line[w - 2]! + 3 * line[w - 1]!) / 16;
  }
  if (ref.box) for (let y = ref.box.y0; y < ref.box.y1; y++) ref.blocked.fill(0, y * w + ref.box.x0, y * w + ref.box.x1);
  ref.box = undefined;
  if (box) {
    const grown = { x0: Math.max(0, box.x0 - 1), y0: Math.max(0, box.y0 - 1), x1: Math.min(w, box.x1 + 1), y1: Math.min(h, box.y1 + 1) };
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0; x < box.x1; x++) {
        if (!blocked[y * w + x]) continue;
        for (let v = grown.y0 > y - 1 ? grown.y0 : y - 1; v <= y + 1 && v < grown.y1; v++) ref.blocked.fill(1, v * w + Math.max(0, x - 1), v * w + Math.min(w, x + 2));
      }
    }
    ref.box = grown;
  }
  return ref;
}

/** The 3×3 binomial average around pixel i (not on the frame's edge). */
function binomial(luma: Uint8Array, w: number, i: number): number {
  const up = i - w;
  const down = i + w;
  return (luma[up - 1]! + 2 * luma[up]! + luma[up + 1]! + 2 * (luma[i - 1]! + 2 * luma[i]! + luma[i + 1]!) + luma[down - 1]! + 2 * luma[down]! + luma[down + 1]!) / 16;
}

/** True when a fill-region pixel lies within two pixels of pixel i, which the smoothed gradient reads. */
function blockedAround(blocked: Uint8Array, w: number, i: number): boolean {
  for (let dy = -2; dy <= 2; dy++) {
    const row = i + dy * w;
    if (blocked[row - 2] || blocked[row - 1] || blocked[row] || blocked[row + 1] || blocked[row + 2]) return true;
  }
  return false;
}

/** How far `p` moves the farthest corner of a w × h frame. */
function largestMove(p: Similarity, w: number, h: number): number {
  let most = 0;
  for (const [x, y] of [
    [0, 0],
    [w, 0],
    [0, h],
    [w, h],
  ] as const) {
    most = Math.max(most, Math.hypot(p.a * x - p.b * y + p.tx - x, p.b * x + p.a * y + p.ty - y));
  }
  return most;
}

/** Solves the n×n system A·x = b by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const m = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[pivot * n + col]!)) pivot = r;
    if (Math.abs(m[pivot * n + col]!) < 1e-9) return undefined;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [m[col * n + c], m[pivot * n + c]] = [m[pivot * n + c]!, m[col * n + c]!];
      [x[col], x[pivot]] = [x[pivot]!, x[col]!];
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col]! / m[col * n + col]!;
      if (!f) continue;
      for (let c = col; c < n; c++) m[r * n + c]! -= f * m[col * n + c]!;
      x[r]! -= f * x[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let c = r + 1; c < n; c++) s -= m[r * n + c]! * x[c]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}
