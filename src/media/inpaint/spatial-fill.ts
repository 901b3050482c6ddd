import type { Box } from './frame.js';

/** Relaxation sweeps after the pyramid fill: they smooth its block structure into a gentle membrane. */
const SMOOTHING_SWEEPS = 40;

/**
 * Fills the pixels of `box` where `target` is 1 from those where `known` is 1, in each of `planes` (all of row
 * length `stride`): what no frame ever showed.
 *
 * Push-pull (Gortler et al., "The Lumigraph", 1996): known pixels are averaged down a pyramid until every
 * level-pixel has a value, then holes take the bilinearly enlarged coarser level on the way back up, so a hole
 * is filled from its whole boundary at every scale, in time linear in the box's area. A few Gauss-Seidel
 * sweeps of the Laplace equation then remove the pyramid's blockiness. The result is smooth: it continues the
 * colours around the hole, not their texture.
 */
export function fillFromBoundary(planes: readonly Uint8Array[], stride: number, known: Uint8Array, target: Uint8Array, box: Box): void {
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  if (w <= 0 || h <= 0) return;
  const have = new Uint8Array(w * h);
  const todo = new Uint8Array(w * h);
  let anyKnown = false;
  let anyTodo = false;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const g = (y + box.y0) * stride + x + box.x0;
      have[y * w + x] = known[g]!;
      todo[y * w + x] = target[g]! && !known[g] ? 1 : 0;
      anyKnown ||= known[g] === 1;
      anyTodo ||= todo[y * w + x] === 1;
    }
  }
  if (!anyTodo || !anyKnown) return;
  for (const plane of planes) {
    const values = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) values[y * w + x] = plane[(y + box.y0) * stride + x + box.x0]!;
    pushPull(values, have, w, h);
    relax(values, todo, w, h, SMOOTHING_SWEEPS);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (todo[y * w + x]) plane[(y + box.y0) * stride + x + box.x0] = Math.max(0, Math.min(255, Math.round(values[y * w + x]!)));
      }
    }
  }
}

/** Fills every pixel whose `have` is 0 in place. */
export function pushPull(values: Float32Array, have: Uint8Array, w: number, h: number): void {
  if (w === 1 && h === 1) return;
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const coarse = new Float32Array(cw * ch);
  const coarseHave = new Uint8Array(cw * ch);
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let sum = 0;
      let n = 0;
      for (let y = 2 * cy; y < Math.min(h, 2 * cy + 2); y++) {
        for (let x = 2 * cx; x < Math.min(w, 2 * cx + 2); x++) {
          if (have[y * w + x]) {
            sum += values[y * w + x]!;
            n++;
          }
        }
      }
      if (n) {
        coarse[cy * cw + cx] = sum / n;
        coarseHave[cy * cw + cx] = 1;
      }
    }
  }
  let complete = true;
  for (let i = 0; i < coarseHave.length; i++) if (!coarseHave[i]) complete = false;
  if (!complete) pushPull(coarse, coarseHave, cw, ch);
  for (let y = 0; y < h; y++) {
    // Fine pixel centres in coarse coordinates, for bilinear sampling.
    const fy = Math.min(ch - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(ch - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < w; x++) {
      if (have[y * w + x]) continue;
      const fx = Math.min(cw - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(cw - 1, x0 + 1);
      const ax = fx - x0;
      const top = coarse[y0 * cw + x0]! * (1 - ax) + coarse[y0 * cw + x1]! * ax;
      const bottom = coarse[y1 * cw + x0]! * (1 - ax) + coarse[y1 * cw + x1]! * ax;
      values[y * w + x] = top * (1 - ay) + bottom * ay;
    }
  }
}

/** Gauss-Seidel sweeps of the Laplace equation over the `todo` pixels; the others are fixed. */
function relax(values: Float32Array, todo: Uint8Array, w: number, h: number, sweeps: number): void {
  for (let s = 0; s < sweeps; s++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!todo[i]) continue;
        let sum = 0;
        let n = 0;
        if (x > 0) (sum += values[i - 1]!), n++;
        if (x < w - 1) (sum += values[i + 1]!), n++;
        if (y > 0) (sum += values[i - w]!), n++;
        if (y < h - 1) (sum += values[i + w]!), n++;
        values[i] = sum / n;
      }
    }
  }
}
