import type { FillMask } from './fill-mask.js';
import { grow, type YuvPlanes } from './frame.js';
import { type Mosaic, UNKNOWN } from './mosaic.js';

/** Largest brightness correction applied, and largest single difference counted towards it. */
const MAX_CORRECTION = 16;
const MAX_DIFFERENCE = 24;
const RING = 2;

/**
 * Replaces the fill region of one frame, placed at (ox, oy), with the mosaic's background, cross-fading over
 * the feather at the region's edge.
 *
 * The background may come from a frame seconds away, shot under slightly different light (auto exposure, a
 * cloud): the mean luma difference between this frame and the mosaic on a thin ring just outside the region
 * is added to the fill, so the patch matches its surroundings instead of showing as a lighter or darker shape.
 */
export function composeFill(frame: YuvPlanes, fill: FillMask, mosaic: Mosaic, ox: number, oy: number): void {
  const box = fill.box;
  if (!box) return;
  const { width, height } = frame;
  const weight = fill.weight;
  const mx = ox - mosaic.x0;
  const my = oy - mosaic.y0;
  const stride = mosaic.width;
  const state = mosaic.state;

  const ring = grow(box, RING, width, height);
  let sum = 0;
  let count = 0;
  for (let y = ring.y0; y < ring.y1; y++) {
    for (let x = ring.x0; x < ring.x1; x++) {
      const i = y * width + x;
      if (weight[i]) continue;
      const g = (y + my) * stride + x + mx;
      if (state[g] === UNKNOWN) continue;
      const d = frame.y[i]! - mosaic.y[g]!;
      sum += d > MAX_DIFFERENCE ? MAX_DIFFERENCE : d < -MAX_DIFFERENCE ? -MAX_DIFFERENCE : d;
      count++;
    }
  }
  const shift = count >= 16 ? Math.max(-MAX_CORRECTION, Math.min(MAX_CORRECTION, sum / count)) : 0;

  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = y * width + x;
      const a = weight[i]!;
      if (!a) continue;
      const g = (y + my) * stride + x + mx;
      if (state[g] === UNKNOWN) continue;
      const fillValue = mosaic.y[g]! + shift;
      const mixed = (frame.y[i]! * (255 - a) + fillValue * a) / 255;
      frame.y[i] = mixed < 0 ? 0 : mixed > 255 ? 255 : Math.round(mixed);
    }
  }

  // Chroma samples cover 2×2 luma pixels: each takes the strongest weight under it and the mean of the
  // mosaic's full-resolution chroma at those four places.
  const cw = width >> 1;
  for (let cy = box.y0 >> 1; cy < (box.y1 + 1) >> 1; cy++) {
    for (let cx = box.x0 >> 1; cx < (box.x1 + 1) >> 1; cx++) {
      let a = 0;
      let u = 0;
      let v = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const x = 2 * cx + dx;
          const y = 2 * cy + dy;
          const wgt = weight[y * width + x]!;
          if (wgt > a) a = wgt;
          const g = (y + my) * stride + x + mx;
          if (state[g] === UNKNOWN) continue;
          u += mosaic.u[g]!;
          v += mosaic.v[g]!;
          n++;
        }
      }
      if (!a || !n) continue;
      const c = cy * cw + cx;
      frame.u[c] = Math.round((frame.u[c]! * (255 - a) + (u / n) * a) / 255);
      frame.v[c] = Math.round((frame.v[c]! * (255 - a) + (v / n) * a) / 255);
    }
  }
}
