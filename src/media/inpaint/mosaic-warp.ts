import type { Box } from './frame.js';
import type { MosaicPlanes } from './mosaic.js';
import { SEEN, UNKNOWN } from './mosaic-state.js';
import type { Similarity } from './similarity.js';

/**
 * The mosaic's work for a frame that does not sit on its pixel grid (a zoom, a turn, a pan by a fraction of a
 * pixel): bilinear sampling both ways, frame into mosaic and mosaic into frame, one plane resolution at a time.
 *
 * Positions are rounded to 1/256 of a pixel first ((v · 256 + 0.5) | 0, written out in each loop: a call
 * would box its argument on every pixel), and a neighbour whose bilinear weight is then 0 is not read. The
 * truncation towards zero rounds the few positions just left of or above a plane into it, the same way
 * everywhere, which is all that matters. Every function here decides which pixels a position reads the same way, so the places the first pass
 * marks as needed are exactly those the fill later reads, and a place the last-seen pass writes was written
 * by the first-seen pass already.
 */

const ONE = 256;
const BITS = 8;

/** Mode of `sampleFrame`: keep the first value seen at a place, or overwrite with this frame's. */
export type Record = 'first' | 'last';

/**
 * Writes the frame's background into the mosaic places of `area` (mosaic coordinates) that it shows: those
 * whose position in the frame (`toFrame`, mosaic → frame) lies inside it with no fill-region pixel among the
 * pixels read. 'first' writes only places not seen yet and marks them seen; 'last' writes all of them.
 * Returns how many places were new.
 */
export function sampleFrame(planes: MosaicPlanes, sources: readonly Uint8Array[], fw: number, fh: number, weight: Uint8Array, fillBox: Box | undefined, toFrame: Similarity, area: Box, mode: Record): number {
  const { width, state, values } = planes;
  const { a, b, tx, ty } = toFrame;
  const first = mode === 'first';
  // Positions in 1/256 px from which every neighbour read lies in the frame: one past the last column is never
  // read, as its weight is then 0.
  const maxX = (fw - 1) << BITS;
  const maxY = (fh - 1) << BITS;
  const bx0 = fillBox ? fillBox.x0 - 1 : 0;
  const by0 = fillBox ? fillBox.y0 - 1 : 0;
  const bx1 = fillBox ? fillBox.x1 : -1;
  const by1 = fillBox ? fillBox.y1 : -1;
  // One or two planes (luma, or both chroma planes), unrolled: this loop is most of a resampled frame's cost.
  const s0 = sources[0]!;
  const s1 = sources[1] ?? s0;
  const v0 = values[0]!;
  const v1 = values[1] ?? v0;
  const two = sources.length > 1;
  let found = 0;
  for (let gy = area.y0; gy < area.y1; gy++) {
    const rowX = -b * gy + tx;
    const rowY = a * gy + ty;
    const grow = gy * width;
    // Only the stretch of the row that maps into the frame, with a pixel to spare (the check below decides):
    // a turned or panned frame covers a slanted or shifted part of the area.
    const [in0, in1] = inside(a, rowX, fw - 1, area.x0, area.x1);
    const [from, to] = inside(b, rowY, fh - 1, in0, in1);
    for (let gx = from; gx < to; gx++) {
      const g = grow + gx;
      if (first && state[g] !== UNKNOWN) continue;
      const qx = ((a * gx + rowX) * ONE + 0.5) | 0;
      const qy = ((b * gx + rowY) * ONE + 0.5) | 0;
      if (qx < 0 || qy < 0 || qx > maxX || qy > maxY) continue;
      const x0 = qx >> BITS;
      const y0 = qy >> BITS;
      const wx = qx & (ONE - 1);
      const wy = qy & (ONE - 1);
      const i00 = y0 * fw + x0;
      const i10 = wx ? i00 + 1 : i00;
      const i01 = wy ? i00 + fw : i00;
      const i11 = wy ? i10 + fw : i10;
      if (x0 >= bx0 && x0 < bx1 && y0 >= by0 && y0 < by1 && (weight[i00] || weight[i10] || weight[i01] || weight[i11])) continue;
      const ax = ONE - wx;
      const ay = ONE - wy;
      v0[g] = ((s0[i00]! * ax + s0[i10]! * wx) * ay + (s0[i01]! * ax + s0[i11]! * wx) * wy + 32768) >> 16;
      if (two) v1[g] = ((s1[i00]! * ax + s1[i10]! * wx) * ay + (s1[i01]! * ax + s1[i11]! * wx) * wy + 32768) >> 16;
      if (first) {
        state[g] = SEEN;
        found++;
      }
    }
  }
  return found;
}

/**
 * The whole numbers x in [x0, x1) for which slope·x + offset lies within [−1, last + 1], as [from, to): a
 * little wider than where the position is in the plane, never narrower.
 */
function inside(slope: number, offset: number, last: number, x0: number, x1: number): [number, number] {
  if (slope === 0) return offset >= -1 && offset <= last + 1 ? [x0, x1] : [x0, x0];
  const p = (-1 - offset) / slope;
  const q = (last + 1 - offset) / slope;
  const from = Math.max(x0, Math.floor(Math.min(p, q)) - 1);
  const to = Math.min(x1, Math.ceil(Math.max(p, q)) + 2);
  return to > from ? [from, to] : [x0, x0];
}

/**
 * Marks the places the fill of this frame reads as needed; returns a box around them in the mosaic (around the
 * fill box's corners: a little larger than the places themselves, and no per-pixel work).
 */
export function markReads(planes: MosaicPlanes, weight: Uint8Array, fw: number, box: Box, toMosaic: Similarity): Box {
  const { needed, width } = planes;
  const { a, b, tx, ty } = toMosaic;
  for (let y = box.y0; y < box.y1; y++) {
    const row = y * fw;
    const rowX = -b * y + tx;
    const rowY = a * y + ty;
    for (let x = box.x0; x < box.x1; x++) {
      if (!weight[row + x]) continue;
      const qx = ((a * x + rowX) * ONE + 0.5) | 0;
      const qy = ((b * x + rowY) * ONE + 0.5) | 0;
      const g = (qy >> BITS) * width + (qx >> BITS);
      const right = qx & (ONE - 1) ? 1 : 0;
      const down = qy & (ONE - 1) ? width : 0;
      needed[g] = 1;
      needed[g + right] = 1;
      needed[g + down] = 1;
      needed[g + down + right] = 1;
    }
  }
  const xs = [box.x0, box.x1 - 1].flatMap((x) => [a * x - b * box.y0 + tx, a * x - b * (box.y1 - 1) + tx]);
  const ys = [box.x0, box.x1 - 1].flatMap((x) => [b * x + a * box.y0 + ty, b * x + a * (box.y1 - 1) + ty]);
  return { x0: Math.floor(Math.min(...xs)), y0: Math.floor(Math.min(...ys)), x1: Math.floor(Math.max(...xs)) + 2, y1: Math.floor(Math.max(...ys)) + 2 };
}

/**
 * Index, in the box's pixels row by row, of the first fill pixel from `from` on whose fill reads a place with
 * no value yet; −1 when there is none.
 */
export function firstUnread(planes: MosaicPlanes, weight: Uint8Array, fw: number, box: Box, toMosaic: Similarity, from: number): number {
  const { state, width } = planes;
  const { a, b, tx, ty } = toMosaic;
  const bw = box.x1 - box.x0;
  let x = box.x0 + (from % bw);
  for (let y = box.y0 + Math.floor(from / bw); y < box.y1; y++, x = box.x0) {
    const row = y * fw;
    const rowX = -b * y + tx;
    const rowY = a * y + ty;
    for (; x < box.x1; x++) {
      if (!weight[row + x]) continue;
      const qx = ((a * x + rowX) * ONE + 0.5) | 0;
      const qy = ((b * x + rowY) * ONE + 0.5) | 0;
      const g = (qy >> BITS) * width + (qx >> BITS);
      const right = qx & (ONE - 1) ? 1 : 0;
      const down = qy & (ONE - 1) ? width : 0;
      if (state[g] === UNKNOWN || state[g + right] === UNKNOWN || state[g + down] === UNKNOWN || state[g + down + right] === UNKNOWN) return (y - box.y0) * bw + x - box.x0;
    }
  }
  return -1;
}

/**
 * Replaces the fill region of one plane set of the frame with the mosaic, sampled bilinearly at `toMosaic`
 * (frame → mosaic), cross-faded by the weights. A pixel reading a place with no value keeps its own.
 */
export function composeWarped(targets: readonly Uint8Array[], weight: Uint8Array, fw: number, box: Box, planes: MosaicPlanes, toMosaic: Similarity): void {
  const { width, state, values } = planes;
  const { a, b, tx, ty } = toMosaic;
  const count = targets.length;
  for (let y = box.y0; y < box.y1; y++) {
    const row = y * fw;
    const rowX = -b * y + tx;
    const rowY = a * y + ty;
    for (let x = box.x0; x < box.x1; x++) {
      const i = row + x;
      const w = weight[i]!;
      if (!w) continue;
      const qx = ((a * x + rowX) * ONE + 0.5) | 0;
      const qy = ((b * x + rowY) * ONE + 0.5) | 0;
      const wx = qx & (ONE - 1);
      const wy = qy & (ONE - 1);
      const g00 = (qy >> BITS) * width + (qx >> BITS);
      const g10 = wx ? g00 + 1 : g00;
      const g01 = wy ? g00 + width : g00;
      const g11 = wy ? g10 + width : g10;
      if (state[g00] === UNKNOWN || state[g10] === UNKNOWN || state[g01] === UNKNOWN || state[g11] === UNKNOWN) continue;
      for (let p = 0; p < count; p++) {
        const v = values[p]!;
        const top = v[g00]! * (ONE - wx) + v[g10]! * wx;
        const bottom = v[g01]! * (ONE - wx) + v[g11]! * wx;
        const filled = (top * (ONE - wy) + bottom * wy + 32768) >> 16;
        const t = targets[p]!;
        // Most of the region is inside the feather: a plain copy, which the mix would give exactly.
        t[i] = w === 255 ? filled : Math.round((t[i]! * (255 - w) + filled * w) / 255);
      }
    }
  }
}
