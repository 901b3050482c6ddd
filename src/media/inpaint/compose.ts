import type { FillMask } from './fill-mask.js';
import type { YuvPlanes } from './frame.js';
import { type Mosaic, UNKNOWN } from './mosaic.js';
import { composeWarped } from './mosaic-warp.js';
import { isWholeShift, type Similarity } from './similarity.js';

/**
 * Replaces the fill region of one frame, at `placement` in the mosaic, with the mosaic's background,
 * cross-fading over the feather at the region's edge. Places the mosaic has nothing for (none should be left
 * after the spatial fill) keep the frame's own pixels. Only pixels whose fill weight is above 0 are written:
 * outside the fill region the frame stays as decoded, byte for byte.
 *
 * No brightness matching: the background comes from the nearest frame that showed it, usually a few frames
 * away, and a correction measured on the ring around the region would compare against yet other frames.
 */
export function composeFill(frame: YuvPlanes, fill: FillMask, mosaic: Mosaic, placement: Similarity): void {
  const box = fill.box;
  if (!box) return;
  const { width } = frame;
  if (!isWholeShift(placement)) {
    const to = mosaic.toMosaic(placement);
    composeWarped([frame.y], fill.weight, width, box, mosaic.luma, to.luma);
    if (fill.chromaBox) composeWarped([frame.u, frame.v], fill.chromaWeight, width >> 1, fill.chromaBox, mosaic.chroma, to.chroma);
    return;
  }
  const ox = placement.tx;
  const oy = placement.ty;
  const weight = fill.weight;
  const mx = ox - mosaic.x0;
  const my = oy - mosaic.y0;
  const { luma, chroma } = mosaic;
  const stride = luma.width;
  const state = luma.state;
  const mosaicY = luma.values[0]!;

  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = y * width + x;
      const a = weight[i]!;
      if (!a) continue;
      const g = (y + my) * stride + x + mx;
      if (state[g] === UNKNOWN) continue;
      // Most of the region is inside the feather: a plain copy, which the mix below would give exactly.
      frame.y[i] = a === 255 ? mosaicY[g]! : Math.round((frame.y[i]! * (255 - a) + mosaicY[g]! * a) / 255);
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
      if (a === 255) {
        frame.u[c] = mosaicU[g]!;
        frame.v[c] = mosaicV[g]!;
        continue;
      }
      frame.u[c] = Math.round((frame.u[c]! * (255 - a) + mosaicU[g]! * a) / 255);
      frame.v[c] = Math.round((frame.v[c]! * (255 - a) + mosaicV[g]! * a) / 255);
    }
  }
}
