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
  const { luma, chroma } = mosaic;
  const stride = luma.width;
  const state = luma.state;
  const mosaicY = luma.values[0]!;

  const ring = grow(box, RING, width, height);
  let sum = 0;
  let count = 0;
  for (let y = ring.y0; y < ring.y1; y++) {
    for (let x = ring.x0; x < ring.x1; x++) {
      const i = y * width + x;
      if (weight[i]) continue;
      const g = (y + my) * stride + x + mx;
      if (state[g] === UNKNOWN) continue;
      const d = frame.y[i]! - mosaicY[g]!;
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
      const mixed = (frame.y[i]! * (255 - a) + (mosaicY[g]! + shift) * a) / 255;
      frame.y[i] = mixed < 0 ? 0 : mixed > 255 ? 255 : Math.round(mixed);
    }
  }

  const cbox = fill.chromaBox;
  if (!cbox) return;
  const cw = width >> 1;
  const cstride = chroma.width;
  const cmx = mx >> 1;
  const cmy = my >> 1;
  const [mosaicU, mosaicV] = chroma.values as [Uint8Array, Uint8Array];
  for (let cy = cbox.y0; cy < cbox.y1; cy++) {
    for (let cx = cbox.x0; cx < cbox.x1; cx++) {
      const c = cy * cw + cx;
      const a = fill.chromaWeight[c]!;
      if (!a) continue;
      const g = (cy + cmy) * cstride + cx + cmx;
      if (chroma.state[g] === UNKNOWN) continue;
      frame.u[c] = Math.round((frame.u[c]! * (255 - a) + mosaicU[g]! * a) / 255);
      frame.v[c] = Math.round((frame.v[c]! * (255 - a) + mosaicV[g]! * a) / 255);
    }
  }
}
