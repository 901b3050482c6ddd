import type { FillMask } from './fill-mask.js';
import type { Box, YuvPlanes } from './frame.js';

/** What a mosaic pixel holds: nothing yet, background seen in some frame, or a value made by spatial fill. */
export const UNKNOWN = 0;
export const SEEN = 1;
export const MADE = 2;

const TILE = 32;

/** One resolution of the mosaic: luma, or chroma at half width and height. */
export interface MosaicPlanes {
  width: number;
  height: number;
  values: Uint8Array[];
  state: Uint8Array;
  /** 1 where some frame's fill region lies: the only places a fill ever reads. */
  needed: Uint8Array;
}

/**
 * The background in one coordinate frame for the whole clip: frame pixel (x, y) of a frame placed at offset
 * (ox, oy) is mosaic pixel (x + ox, y + oy). Camera motion moves the frame over the mosaic; the object's
 * fill region is never written, so what accumulates is the background seen around and behind it.
 *
 * Chroma is kept at half resolution like yuv420p's, on a grid fixed to the mosaic: after a pan by an odd
 * number of pixels a frame's chroma samples sit half a sample off that grid and are snapped to it (a shift of
 * one luma pixel in colour only, which the eye does not see; luma is exact).
 *
 * Memory: 3 bytes per mosaic pixel for luma (value, state, needed) and 5 per chroma sample — the frame's area
 * plus what the camera pans over, whatever the clip's length.
 */
export class Mosaic {
  /** Global coordinates of the mosaic's top-left pixel (even, so the chroma grid stays put), and its size. */
  x0 = 0;
  y0 = 0;
  width = 0;
  height = 0;
  luma: MosaicPlanes = emptyPlanes(1);
  chroma: MosaicPlanes = emptyPlanes(2);
  /** Bounding box of luma `needed`, in mosaic coordinates; undefined while nothing is needed. */
  neededBox: Box | undefined;
  private tilesAcross = 0;
  /** Luma pixels and chroma samples not seen yet, per TILE×TILE block of luma. */
  private unseenInTile = new Int32Array(0);

  constructor(
    readonly frameWidth: number,
    readonly frameHeight: number,
  ) {}

  /** Makes room for a frame placed at (ox, oy), growing by at least half a frame at a time. */
  cover(ox: number, oy: number): void {
    const fw = this.frameWidth;
    const fh = this.frameHeight;
    if (this.width && ox >= this.x0 && oy >= this.y0 && ox + fw <= this.x0 + this.width && oy + fh <= this.y0 + this.height) return;
    if (!this.width) {
      this.resize(floorEven(ox), floorEven(oy), ceilEven(ox + fw) - floorEven(ox), ceilEven(oy + fh) - floorEven(oy));
      return;
    }
    const left = floorEven(ox < this.x0 ? Math.min(ox, this.x0 - (fw >> 1)) : this.x0);
    const top = floorEven(oy < this.y0 ? Math.min(oy, this.y0 - (fh >> 1)) : this.y0);
    const right = ceilEven(ox + fw > this.x0 + this.width ? Math.max(ox + fw, this.x0 + this.width + (fw >> 1)) : this.x0 + this.width);
    const bottom = ceilEven(oy + fh > this.y0 + this.height ? Math.max(oy + fh, this.y0 + this.height + (fh >> 1)) : this.y0 + this.height);
    this.resize(left, top, right - left, bottom - top);
  }

  /**
   * Pass 1: keeps the first background value seen at each place (the fill region is skipped), and marks the
   * fill region as needed. Places seen already are skipped tile by tile, so a still camera costs little after
   * the first frame.
   */
  recordFirst(frame: YuvPlanes, ox: number, oy: number, fill: FillMask): void {
    this.cover(ox, oy);
    const mx = ox - this.x0;
    const my = oy - this.y0;
    const { width: fw, height: fh } = frame;
    const tx0 = Math.floor(mx / TILE);
    const ty0 = Math.floor(my / TILE);
    const tx1 = Math.ceil((mx + fw) / TILE);
    const ty1 = Math.ceil((my + fh) / TILE);
    for (let ty = ty0; ty < ty1; ty++) {
      for (let tx = tx0; tx < tx1; tx++) {
        const tile = ty * this.tilesAcross + tx;
        if (!this.unseenInTile[tile]) continue;
        const area = { x0: Math.max(tx * TILE, mx), y0: Math.max(ty * TILE, my), x1: Math.min((tx + 1) * TILE, mx + fw), y1: Math.min((ty + 1) * TILE, my + fh) };
        let found = firstSeen(this.luma, [frame.y], fw, fill.weight, mx, my, area);
        const cmx = mx >> 1;
        const cmy = my >> 1;
        const carea = { x0: Math.max(area.x0 >> 1, cmx), y0: Math.max(area.y0 >> 1, cmy), x1: Math.min(area.x1 >> 1, cmx + (fw >> 1)), y1: Math.min(area.y1 >> 1, cmy + (fh >> 1)) };
        found += firstSeen(this.chroma, [frame.u, frame.v], fw >> 1, fill.chromaWeight, cmx, cmy, carea);
        this.unseenInTile[tile]! -= found;
      }
    }
    this.markNeeded(fill, mx, my);
  }

  /**
   * Pass 2: overwrites with this frame's background, so a later frame takes the most recent view; where no
   * earlier frame showed a place, the first later view (from pass 1) is still there. The whole frame, not only
   * where fills read: pass 2 runs while pass 1 is still finding those places. Rows are copied in runs around
   * the fill region's box.
   *
   * Pass 1 must have recorded this frame already: then every place written here is seen already, and the
   * tiles' counts of unseen places stay true.
   */
  recordLast(frame: YuvPlanes, ox: number, oy: number, fill: FillMask): void {
    const mx = ox - this.x0;
    const my = oy - this.y0;
    const { width: fw, height: fh } = frame;
    lastSeen(this.luma, [frame.y], fw, fill.weight, fill.box, mx, my, { x0: mx, y0: my, x1: mx + fw, y1: my + fh });
    const cmx = mx >> 1;
    const cmy = my >> 1;
    lastSeen(this.chroma, [frame.u, frame.v], fw >> 1, fill.chromaWeight, fill.chromaBox, cmx, cmy, { x0: cmx, y0: cmy, x1: cmx + (fw >> 1), y1: cmy + (fh >> 1) });
  }

  /**
   * Where, scanning the fill region of a frame placed at (ox, oy) from position `from` on (luma rows, then
   * chroma rows, in the region's boxes), the first place the mosaic has no value for lies; -1 when it has one
   * for every place, so the frame can be filled. Places only ever gain values, so a caller waiting for them
   * resumes from the last answer.
   */
  firstUnknown(fill: FillMask, ox: number, oy: number, from = 0): number {
    const mx = ox - this.x0;
    const my = oy - this.y0;
    const box = fill.box;
    const cbox = fill.chromaBox;
    if (!box || !cbox) return -1;
    const lumaPlaces = (box.x1 - box.x0) * (box.y1 - box.y0);
    if (from < lumaPlaces) {
      const at = firstUnknown(this.luma, fill.weight, this.frameWidth, box, mx, my, from);
      if (at >= 0) return at;
      from = lumaPlaces;
    }
    const at = firstUnknown(this.chroma, fill.chromaWeight, this.frameWidth >> 1, cbox, mx >> 1, my >> 1, from - lumaPlaces);
    return at >= 0 ? lumaPlaces + at : -1;
  }

  private markNeeded(fill: FillMask, mx: number, my: number): void {
    const box = fill.box;
    if (!box) return;
    markNeeded(this.luma, fill.weight, this.frameWidth, box, mx, my);
    if (fill.chromaBox) markNeeded(this.chroma, fill.chromaWeight, this.frameWidth >> 1, fill.chromaBox, mx >> 1, my >> 1);
    const g = { x0: box.x0 + mx, y0: box.y0 + my, x1: box.x1 + mx, y1: box.y1 + my };
    const n = this.neededBox;
    this.neededBox = n ? { x0: Math.min(n.x0, g.x0), y0: Math.min(n.y0, g.y0), x1: Math.max(n.x1, g.x1), y1: Math.max(n.y1, g.y1) } : g;
  }

  private resize(x0: number, y0: number, width: number, height: number): void {
    const dx = this.x0 - x0;
    const dy = this.y0 - y0;
    this.luma = moved(this.luma, width, height, dx, dy);
    this.chroma = moved(this.chroma, width >> 1, height >> 1, dx >> 1, dy >> 1);
    if (this.neededBox) this.neededBox = { x0: this.neededBox.x0 + dx, y0: this.neededBox.y0 + dy, x1: this.neededBox.x1 + dx, y1: this.neededBox.y1 + dy };
    this.x0 = x0;
    this.y0 = y0;
    this.width = width;
    this.height = height;
    this.tilesAcross = Math.ceil(width / TILE);
    this.unseenInTile = new Int32Array(this.tilesAcross * Math.ceil(height / TILE));
    for (let y = 0; y < height; y++) {
      const trow = Math.floor(y / TILE) * this.tilesAcross;
      for (let x = 0; x < width; x++) if (this.luma.state[y * width + x] === UNKNOWN) this.unseenInTile[trow + Math.floor(x / TILE)]!++;
    }
    const cw = width >> 1;
    for (let y = 0; y < height >> 1; y++) {
      const trow = Math.floor((2 * y) / TILE) * this.tilesAcross;
      for (let x = 0; x < cw; x++) if (this.chroma.state[y * cw + x] === UNKNOWN) this.unseenInTile[trow + Math.floor((2 * x) / TILE)]!++;
    }
  }
}

function emptyPlanes(count: number): MosaicPlanes {
  return { width: 0, height: 0, values: Array.from({ length: count }, () => new Uint8Array(0)), state: new Uint8Array(0), needed: new Uint8Array(0) };
}

/** A copy of `planes` at a new size, its content moved by (dx, dy). */
function moved(planes: MosaicPlanes, width: number, height: number, dx: number, dy: number): MosaicPlanes {
  const next: MosaicPlanes = {
    width,
    height,
    values: planes.values.map(() => new Uint8Array(width * height)),
    state: new Uint8Array(width * height),
    needed: new Uint8Array(width * height),
  };
  const pairs: [Uint8Array, Uint8Array][] = [...planes.values.map((v, i) => [v, next.values[i]!] as [Uint8Array, Uint8Array]), [planes.state, next.state], [planes.needed, next.needed]];
  for (let row = 0; row < planes.height; row++) {
    const from = row * planes.width;
    const to = (row + dy) * width + dx;
    for (const [a, b] of pairs) b.set(a.subarray(from, from + planes.width), to);
  }
  return next;
}

/** Copies unseen, unfilled pixels of `area` (mosaic coordinates); returns how many were new. */
function firstSeen(planes: MosaicPlanes, sources: Uint8Array[], fw: number, weight: Uint8Array, mx: number, my: number, area: Box): number {
  const { width, state } = planes;
  let found = 0;
  for (let gy = area.y0; gy < area.y1; gy++) {
    const frow = (gy - my) * fw - mx;
    const grow = gy * width;
    for (let gx = area.x0; gx < area.x1; gx++) {
      const g = grow + gx;
      if (state[g] !== UNKNOWN) continue;
      const f = frow + gx;
      if (weight[f]) continue;
      for (let p = 0; p < sources.length; p++) planes.values[p]![g] = sources[p]![f]!;
      state[g] = SEEN;
      found++;
    }
  }
  return found;
}

/**
 * Copies the unfilled pixels of `area`: whole runs left and right of the fill box, pixel by pixel inside it.
 * States are left alone: pass 1 has recorded the same frame, so every place written here is seen already.
 */
function lastSeen(planes: MosaicPlanes, sources: Uint8Array[], fw: number, weight: Uint8Array, fillBox: Box | undefined, mx: number, my: number, area: Box): void {
  const { width, values } = planes;
  for (let gy = area.y0; gy < area.y1; gy++) {
    const fy = gy - my;
    const frow = fy * fw - mx;
    const grow = gy * width;
    const inBox = fillBox !== undefined && fy >= fillBox.y0 && fy < fillBox.y1;
    const cut0 = inBox ? Math.max(area.x0, Math.min(area.x1, fillBox.x0 + mx)) : area.x1;
    const cut1 = inBox ? Math.max(cut0, Math.min(area.x1, fillBox.x1 + mx)) : area.x1;
    for (let p = 0; p < sources.length; p++) {
      const source = sources[p]!;
      const target = values[p]!;
      if (cut0 > area.x0) target.set(source.subarray(frow + area.x0, frow + cut0), grow + area.x0);
      if (area.x1 > cut1) target.set(source.subarray(frow + cut1, frow + area.x1), grow + cut1);
      for (let gx = cut0; gx < cut1; gx++) if (!weight[frow + gx]) target[grow + gx] = source[frow + gx]!;
    }
  }
}

function firstUnknown(planes: MosaicPlanes, weight: Uint8Array, fw: number, box: Box, mx: number, my: number, from: number): number {
  const bw = box.x1 - box.x0;
  const { state, width } = planes;
  let x = box.x0 + (from % bw);
  for (let y = box.y0 + Math.floor(from / bw); y < box.y1; y++, x = box.x0) {
    const row = y * fw;
    const grow = (y + my) * width + mx;
    for (; x < box.x1; x++) if (weight[row + x] && state[grow + x] === UNKNOWN) return (y - box.y0) * bw + x - box.x0;
  }
  return -1;
}

function markNeeded(planes: MosaicPlanes, weight: Uint8Array, fw: number, box: Box, mx: number, my: number): void {
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) if (weight[y * fw + x]) planes.needed[(y + my) * planes.width + x + mx] = 1;
  }
}

function floorEven(n: number): number {
  return Math.floor(n / 2) * 2;
}

function ceilEven(n: number): number {
  return Math.ceil(n / 2) * 2;
}
