import type { FillMask } from './fill-mask.js';
import type { Box, YuvPlanes } from './frame.js';
import { type Mosaic, type MosaicPlanes, UNKNOWN } from './mosaic.js';
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
  const mx = placement.tx - mosaic.x0;
  const my = placement.ty - mosaic.y0;
  composeShifted([frame.y], fill.weight, width, box, mosaic.luma, mx, my);
  if (fill.chromaBox) composeShifted([frame.u, frame.v], fill.chromaWeight, width >> 1, fill.chromaBox, mosaic.chroma, mx >> 1, my >> 1);
}

/**
 * `composeFill` for a placement that is a whole-pixel shift (mx, my into the mosaic), on one plane's
 * resolution: `planes` and the mosaic's values in the same order.
 */
function composeShifted(planes: Uint8Array[], weight: Uint8Array, fw: number, box: Box, mosaic: MosaicPlanes, mx: number, my: number): void {
  const { state, values, width: stride } = mosaic;
  for (let y = box.y0; y < box.y1; y++) {
    const row = y * fw;
    const grow = (y + my) * stride + mx;
    for (let x = box.x0; x < box.x1; ) {
      const a = weight[row + x]!;
      // Most of the region is inside the feather: runs of plain copies, which the mix below would give
      // exactly, copied whole where the mosaic has every place of the run (it has, once pass 2 fills a frame).
      if (a === 255) {
        let end = x + 1;
        while (end < box.x1 && weight[row + end] === 255) end++;
        const whole = state.subarray(grow + x, grow + end).indexOf(UNKNOWN) < 0;
        for (let p = 0; p < planes.length; p++) {
          if (whole) planes[p]!.set(values[p]!.subarray(grow + x, grow + end), row + x);
          else for (let k = x; k < end; k++) if (state[grow + k] !== UNKNOWN) planes[p]![row + k] = values[p]![grow + k]!;
        }
        x = end;
        continue;
      }
      const g = grow + x;
      if (a && state[g] !== UNKNOWN) {
        for (let p = 0; p < planes.length; p++) planes[p]![row + x] = Math.round((planes[p]![row + x]! * (255 - a) + values[p]![g]! * a) / 255);
      }
      x++;
    }
  }
}
