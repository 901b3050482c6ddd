import type { FillMask } from './fill-mask.js';
import type { Box, YuvPlanes } from './frame.js';
import { SEEN, UNKNOWN } from './mosaic-state.js';
import { firstUnread, markReads, sampleFrame } from './mosaic-warp.js';
import { applyX, applyY, invert, isWholeShift, onChroma, type Similarity } from './similarity.js';

export { MADE, SEEN, UNKNOWN } from './mosaic-state.js';

/** A fill region's runs by row (FillMask.spans). */
type RowSpans = NonNullable<FillMask['spans']>;

/** Side of the mosaic's tiles, in luma pixels: the unit in which work is skipped. The mosaic's origin is a multiple. */
const TILE = 32;
/** Pixels a side of the mosaic grows by the first time (see cover). */
const GROWTH = 64;
/** Pixels around a frame's reads that the frame before writes as well (see recordLast). */
const MARGIN = 2;

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
 * The background in one coordinate frame for the whole clip, the first frame's: a frame's placement (a
 * similarity, see camera-path.ts) takes its pixel (x, y) to the global position it shows. Camera motion
 * moves, zooms and turns the frame over the mosaic; the object's fill region is never written, so what
 * accumulates is the background seen around and behind it.
 *
 * A frame placed on whole pixels (a still camera, a pan by whole pixels) is copied pixel for pixel; any other
 * is resampled bilinearly into the mosaic and out of it (mosaic-warp.ts). The mosaic keeps the first frame's
 * scale: after a zoom in, the background behind the object is as detailed as the first frame showed it.
 *
 * Chroma is kept at half resolution like yuv420p's, on a grid fixed to the mosaic: after a whole-pixel pan by
 * an odd number of pixels a frame's chroma samples sit half a sample off that grid and are snapped to it (a
 * shift of one luma pixel in colour only, which the eye does not see; luma is exact).
 *
 * Memory: 3 bytes per mosaic pixel for luma (value, state, needed) and 5 per chroma sample — the area the
 * frames cover at the first frame's scale (the frame plus what the camera pans or zooms out over), whatever
 * the clip's length.
 */
export class Mosaic {
  /** Global coordinates of the mosaic's top-left pixel (multiples of TILE, so tiles and the chroma grid stay put), and its size. */
  x0 = 0;
  y0 = 0;
  width = 0;
  height = 0;
  luma: MosaicPlanes = emptyPlanes(1);
  chroma: MosaicPlanes = emptyPlanes(2);
  /** A box around luma `needed` (at least its bounding box), in mosaic coordinates; undefined while nothing is needed. */
  neededBox: Box | undefined;
  /** Bounding box of the frames recorded so far, in global coordinates (the first frame's pixels). */
  covered: Box | undefined;
  private tilesAcross = 0;
  /** Times the mosaic grew to the left, top, right and bottom. */
  private readonly growths = [0, 0, 0, 0];
  /** Luma pixels and chroma samples not seen yet, per TILE×TILE block of luma. */
  private unseenInTile = new Int32Array(0);
  /**
   * Per frame recorded by pass 1 and not yet by pass 2, the box its fill reads, in global coordinates: where
   * pass 2 writes the frame before it.
   */
  private readonly reads = new Map<number, Box>();

  constructor(
    readonly frameWidth: number,
    readonly frameHeight: number,
  ) {}

  /**
   * Makes room for a frame at `placement`. A side grows by 64 px the first time, twice as much each time after,
   * up to half a frame: a camera that drifts by a pixel costs 64 px of mosaic, and one that pans on costs a
   * few copies of the mosaic in all.
   */
  cover(placement: Similarity): void {
    const fw = this.frameWidth;
    const fh = this.frameHeight;
    const chroma = footprint(onChroma(placement), fw >> 1, fh >> 1);
    const { x0: ox, y0: oy, x1, y1 } = union(footprint(placement, fw, fh), { x0: 2 * chroma.x0, y0: 2 * chroma.y0, x1: 2 * chroma.x1, y1: 2 * chroma.y1 });
    if (this.width && ox >= this.x0 && oy >= this.y0 && x1 <= this.x0 + this.width && y1 <= this.y0 + this.height) return;
    if (!this.width) {
      this.resize(floorTile(ox), floorTile(oy), ceilTile(x1) - floorTile(ox), ceilTile(y1) - floorTile(oy));
      return;
    }
    const step = (side: number, half: number): number => Math.min(half, GROWTH * 2 ** this.growths[side]!++);
    const left = floorTile(ox < this.x0 ? Math.min(ox, this.x0 - step(0, fw >> 1)) : this.x0);
    const top = floorTile(oy < this.y0 ? Math.min(oy, this.y0 - step(1, fh >> 1)) : this.y0);
    const right = ceilTile(x1 > this.x0 + this.width ? Math.max(x1, this.x0 + this.width + step(2, fw >> 1)) : this.x0 + this.width);
    const bottom = ceilTile(y1 > this.y0 + this.height ? Math.max(y1, this.y0 + this.height + step(3, fh >> 1)) : this.y0 + this.height);
    this.resize(left, top, right - left, bottom - top);
  }

  /** `placement` (frame → global) on the luma and the chroma planes, in mosaic coordinates. */
  toMosaic(placement: Similarity): { luma: Similarity; chroma: Similarity } {
    const chroma = onChroma(placement);
    // Literals of one shape, like every other similarity: the per-pixel loops then see one kind of object.
    return {
      luma: { a: placement.a, b: placement.b, tx: placement.tx - this.x0, ty: placement.ty - this.y0 },
      chroma: { a: chroma.a, b: chroma.b, tx: chroma.tx - (this.x0 >> 1), ty: chroma.ty - (this.y0 >> 1) },
    };
  }

  /**
   * Pass 1, frame `index` (counting from 0, in order): keeps the first background value seen at each place
   * (the fill region is skipped), and marks the places the frame's fill reads as needed. Places seen already
   * are skipped tile by tile, so a still camera costs little after the first frame. Returns how many places
   * (luma pixels and chroma samples) the frame showed first.
   */
  recordFirst(frame: YuvPlanes, placement: Similarity, fill: FillMask, index: number): number {
    this.cover(placement);
    this.covered = union(this.covered, corners(placement, this.frameWidth, this.frameHeight));
    const { width: fw, height: fh } = frame;
    const whole = isWholeShift(placement);
    const to = this.toMosaic(placement);
    const { area, carea } = this.areas(placement, to);
    const lumaBack = whole ? undefined : invert(to.luma);
    const chromaBack = whole ? undefined : invert(to.chroma);
    const mx = placement.tx - this.x0;
    const my = placement.ty - this.y0;
    // The tiles either plane's footprint reaches (a resampled chroma footprint can reach a pixel further).
    const tiles = union(area, { x0: 2 * carea.x0, y0: 2 * carea.y0, x1: 2 * carea.x1, y1: 2 * carea.y1 });
    let shown = 0;
    for (let ty = Math.floor(tiles.y0 / TILE); ty < Math.ceil(tiles.y1 / TILE); ty++) {
      for (let tx = Math.floor(tiles.x0 / TILE); tx < Math.ceil(tiles.x1 / TILE); tx++) {
        const tile = ty * this.tilesAcross + tx;
        if (!this.unseenInTile[tile]) continue;
        const part = intersect(area, tileBox(tx, ty, 1));
        const cpart = intersect(carea, tileBox(tx, ty, 2));
        let found = 0;
        if (lumaBack && chromaBack) {
          if (part) found += sampleFrame(this.luma, [frame.y], fw, fh, fill.weight, fill.box, lumaBack, part, 'first');
          if (cpart) found += sampleFrame(this.chroma, [frame.u, frame.v], fw >> 1, fh >> 1, fill.chromaWeight, fill.chromaBox, chromaBack, cpart, 'first');
        } else {
          if (part) found += fill.spans && fill.box ? firstSeenBySpans(this.luma, frame.y, fw, fill.spans, fill.box, mx, my, part) : firstSeen(this.luma, [frame.y], fw, fill.weight, mx, my, part);
          if (cpart) found += firstSeen(this.chroma, [frame.u, frame.v], fw >> 1, fill.chromaWeight, mx >> 1, my >> 1, cpart);
        }
        this.unseenInTile[tile]! -= found;
        shown += found;
      }
    }
    const box = fill.box;
    if (!box || !fill.chromaBox) return shown;
    let reads: Box;
    if (whole) {
      if (fill.spans) markNeededBySpans(this.luma, fill.spans, box, mx, my);
      else markNeeded(this.luma, fill.weight, fw, box, mx, my);
      markNeeded(this.chroma, fill.chromaWeight, fw >> 1, fill.chromaBox, mx >> 1, my >> 1);
      reads = { x0: box.x0 + mx, y0: box.y0 + my, x1: box.x1 + mx, y1: box.y1 + my };
    } else {
      reads = markReads(this.luma, fill.weight, fw, box, to.luma);
      markReads(this.chroma, fill.chromaWeight, fw >> 1, fill.chromaBox, to.chroma);
    }
    this.neededBox = union(this.neededBox, reads);
    this.reads.set(index, { x0: reads.x0 + this.x0, y0: reads.y0 + this.y0, x1: reads.x1 + this.x0, y1: reads.y1 + this.y0 });
    return shown;
  }

  /**
   * Pass 2, frame `index`: overwrites with this frame's background where the next frame's fill reads (pass 1
   * has recorded it: pass 2 trails), so that fill takes the most recent view; where no earlier frame showed a
   * place, the first later view (from pass 1) is still there.
   *
   * That is enough for every frame to take the nearest earlier view: a place frame j fills, last seen at
   * frame t < j, is hidden by the object in frames t + 1 … j, so frame t + 1 reads it and frame t writes it,
   * and nothing overwrites it before j. Only a place the camera left and came back to, to find the object on
   * it, keeps an older view. Writing there alone, in whole tiles around it, rather than the whole frame: the
   * rest of the frame is not copied, and which places are written does not depend on how far ahead pass 1
   * happens to be, so the output is the same however the passes are timed.
   *
   * Pass 1 must have recorded this frame already: then every place written here is seen already, and the
   * tiles' counts of unseen places stay true.
   */
  recordLast(frame: YuvPlanes, placement: Similarity, fill: FillMask, index: number): void {
    this.reads.delete(index);
    const next = this.reads.get(index + 1);
    if (!next) return;
    const { width: fw, height: fh } = frame;
    const whole = isWholeShift(placement);
    const to = this.toMosaic(placement);
    const { area, carea } = this.areas(placement, to);
    // The tiles around the next frame's reads, in mosaic coordinates, with a margin: a resampled place next to
    // the object is hidden when a pixel it is sampled from is, which can be a pixel or two outside the reads.
    const tiles = {
      x0: floorTile(next.x0 - MARGIN - this.x0),
      y0: floorTile(next.y0 - MARGIN - this.y0),
      x1: ceilTile(next.x1 + MARGIN - this.x0),
      y1: ceilTile(next.y1 + MARGIN - this.y0),
    };
    const part = intersect(area, tiles);
    const cpart = intersect(carea, halve(tiles));
    if (!whole) {
      if (part) sampleFrame(this.luma, [frame.y], fw, fh, fill.weight, fill.box, invert(to.luma), part, 'last');
      if (cpart) sampleFrame(this.chroma, [frame.u, frame.v], fw >> 1, fh >> 1, fill.chromaWeight, fill.chromaBox, invert(to.chroma), cpart, 'last');
      return;
    }
    const mx = placement.tx - this.x0;
    const my = placement.ty - this.y0;
    if (part) lastSeen(this.luma, [frame.y], fw, fill.weight, fill.box, mx, my, part);
    if (cpart) lastSeen(this.chroma, [frame.u, frame.v], fw >> 1, fill.chromaWeight, fill.chromaBox, mx >> 1, my >> 1, cpart);
  }

  /**
   * Where, scanning the fill region of a frame at `placement` from position `from` on (luma rows, then chroma
   * rows, in the region's boxes), the first pixel lies whose fill reads a place the mosaic has no value for;
   * -1 when it has one for every place, so the frame can be filled. Places only ever gain values, so a caller
   * waiting for them resumes from the last answer.
   */
  firstUnknown(fill: FillMask, placement: Similarity, from = 0): number {
    const box = fill.box;
    const cbox = fill.chromaBox;
    if (!box || !cbox) return -1;
    const mx = placement.tx - this.x0;
    const my = placement.ty - this.y0;
    const to = isWholeShift(placement) ? undefined : this.toMosaic(placement);
    const fw = this.frameWidth;
    const lumaPlaces = (box.x1 - box.x0) * (box.y1 - box.y0);
    if (from < lumaPlaces) {
      const at = to ? firstUnread(this.luma, fill.weight, fw, box, to.luma, from) : firstUnknown(this.luma, fill.weight, fw, box, mx, my, from);
      if (at >= 0) return at;
      from = lumaPlaces;
    }
    const at = to ? firstUnread(this.chroma, fill.chromaWeight, fw >> 1, cbox, to.chroma, from - lumaPlaces) : firstUnknown(this.chroma, fill.chromaWeight, fw >> 1, cbox, mx >> 1, my >> 1, from - lumaPlaces);
    return at >= 0 ? lumaPlaces + at : -1;
  }

  /**
   * The mosaic places a frame at `placement` may write, luma and chroma: its footprint, with the margin bilinear
   * reads need when it is resampled; on whole pixels, exactly its pixels, chroma snapped to the mosaic's grid.
   */
  private areas(placement: Similarity, to: { luma: Similarity; chroma: Similarity }): { area: Box; carea: Box } {
    const fw = this.frameWidth;
    const fh = this.frameHeight;
    if (isWholeShift(placement)) {
      const mx = placement.tx - this.x0;
      const my = placement.ty - this.y0;
      return { area: { x0: mx, y0: my, x1: mx + fw, y1: my + fh }, carea: { x0: mx >> 1, y0: my >> 1, x1: (mx >> 1) + (fw >> 1), y1: (my >> 1) + (fh >> 1) } };
    }
    return { area: clip(footprint(to.luma, fw, fh), this.width, this.height), carea: clip(footprint(to.chroma, fw >> 1, fh >> 1), this.width >> 1, this.height >> 1) };
  }

  private resize(x0: number, y0: number, width: number, height: number): void {
    const dx = this.x0 - x0;
    const dy = this.y0 - y0;
    this.luma = moved(this.luma, width, height, dx, dy);
    this.chroma = moved(this.chroma, width >> 1, height >> 1, dx >> 1, dy >> 1);
    if (this.neededBox) this.neededBox = { x0: this.neededBox.x0 + dx, y0: this.neededBox.y0 + dy, x1: this.neededBox.x1 + dx, y1: this.neededBox.y1 + dy };
    const across = width / TILE;
    const down = height / TILE;
    // Origins are multiples of TILE: the old tiles move whole, and every new tile is wholly unseen.
    const unseen = new Int32Array(across * down).fill(TILE * TILE + (TILE / 2) * (TILE / 2));
    const oldAcross = this.tilesAcross;
    for (let ty = 0; ty < this.height / TILE; ty++) {
      unseen.set(this.unseenInTile.subarray(ty * oldAcross, (ty + 1) * oldAcross), (ty + dy / TILE) * across + dx / TILE);
    }
    this.unseenInTile = unseen;
    this.x0 = x0;
    this.y0 = y0;
    this.width = width;
    this.height = height;
    this.tilesAcross = across;
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
 * `firstSeen` on luma, the fill region skipped by its runs (FillMask.spans) instead of read pixel by pixel:
 * on a large object most of the tiles left with unseen places lie under it, and are looked at every frame.
 */
function firstSeenBySpans(planes: MosaicPlanes, source: Uint8Array, fw: number, spans: RowSpans, box: Box, mx: number, my: number, area: Box): number {
  const { width, state } = planes;
  const values = planes.values[0]!;
  let found = 0;
  const seen = (grow: number, frow: number, from: number, to: number): void => {
    for (let gx = from; gx < to; gx++) {
      const g = grow + gx;
      if (state[g] !== UNKNOWN) continue;
      values[g] = source[frow + gx]!;
      state[g] = SEEN;
      found++;
    }
  };
  for (let gy = area.y0; gy < area.y1; gy++) {
    const fy = gy - my;
    const frow = fy * fw - mx;
    const grow = gy * width;
    let gx = area.x0;
    if (fy >= box.y0 && fy < box.y1) {
      const r = fy - box.y0;
      for (let i = spans.starts[r]!; i < spans.starts[r + 1]!; i++) {
        const s0 = Math.max(gx, spans.at[2 * i]! + mx);
        const s1 = Math.min(area.x1, spans.at[2 * i + 1]! + mx);
        if (s1 <= s0) continue;
        seen(grow, frow, gx, s0);
        gx = s1;
      }
    }
    seen(grow, frow, gx, area.x1);
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
      if (cut0 > area.x0) values[p]!.set(sources[p]!.subarray(frow + area.x0, frow + cut0), grow + area.x0);
      if (area.x1 > cut1) values[p]!.set(sources[p]!.subarray(frow + cut1, frow + area.x1), grow + cut1);
    }
    // Inside the box, the runs of unfilled pixels between filled ones: found once for all planes.
    for (let gx = cut0; gx < cut1; ) {
      while (gx < cut1 && weight[frow + gx]) gx++;
      const start = gx;
      while (gx < cut1 && !weight[frow + gx]) gx++;
      if (gx > start) for (let p = 0; p < sources.length; p++) values[p]!.set(sources[p]!.subarray(frow + start, frow + gx), grow + start);
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

/** `markNeeded` from the fill region's runs (FillMask.spans). */
function markNeededBySpans(planes: MosaicPlanes, spans: RowSpans, box: Box, mx: number, my: number): void {
  for (let y = box.y0; y < box.y1; y++) {
    const to = (y + my) * planes.width + mx;
    const r = y - box.y0;
    for (let i = spans.starts[r]!; i < spans.starts[r + 1]!; i++) planes.needed.fill(1, to + spans.at[2 * i]!, to + spans.at[2 * i + 1]!);
  }
}

function markNeeded(planes: MosaicPlanes, weight: Uint8Array, fw: number, box: Box, mx: number, my: number): void {
  for (let y = box.y0; y < box.y1; y++) {
    const row = y * fw;
    const to = (y + my) * planes.width + mx;
    // By runs of filled pixels: the region is mostly whole rows of them.
    for (let x = box.x0; x < box.x1; ) {
      while (x < box.x1 && !weight[row + x]) x++;
      const start = x;
      while (x < box.x1 && weight[row + x]) x++;
      if (x > start) planes.needed.fill(1, to + start, to + x);
    }
  }
}

/**
 * The pixels a frame at `placement` covers, with the next column and row that bilinear reads touch: a box in
 * the placement's target coordinates.
 */
function footprint(placement: Similarity, fw: number, fh: number): Box {
  if (isWholeShift(placement)) return { x0: placement.tx, y0: placement.ty, x1: placement.tx + fw, y1: placement.ty + fh };
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of [
    [0, 0],
    [fw - 1, 0],
    [0, fh - 1],
    [fw - 1, fh - 1],
  ] as const) {
    const gx = applyX(placement, x, y);
    const gy = applyY(placement, x, y);
    x0 = Math.min(x0, gx);
    y0 = Math.min(y0, gy);
    x1 = Math.max(x1, gx);
    y1 = Math.max(y1, gy);
  }
  return { x0: Math.floor(x0), y0: Math.floor(y0), x1: Math.floor(x1) + 2, y1: Math.floor(y1) + 2 };
}

/** The box around the frame's corners at `placement`, rounded to whole pixels. */
function corners(placement: Similarity, fw: number, fh: number): Box {
  const xs = [0, fw].flatMap((x) => [applyX(placement, x, 0), applyX(placement, x, fh)]);
  const ys = [0, fw].flatMap((x) => [applyY(placement, x, 0), applyY(placement, x, fh)]);
  return { x0: Math.round(Math.min(...xs)), y0: Math.round(Math.min(...ys)), x1: Math.round(Math.max(...xs)), y1: Math.round(Math.max(...ys)) };
}

function clip(box: Box, width: number, height: number): Box {
  return { x0: Math.max(0, box.x0), y0: Math.max(0, box.y0), x1: Math.min(width, box.x1), y1: Math.min(height, box.y1) };
}

function union(a: Box | undefined, b: Box): Box {
  return a ? { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) } : b;
}

function floorTile(n: number): number {
  return Math.floor(n / TILE) * TILE;
}

function ceilTile(n: number): number {
  return Math.ceil(n / TILE) * TILE;
}

/** Tile (tx, ty) in luma coordinates (per = 1) or chroma coordinates (per = 2). */
function tileBox(tx: number, ty: number, per: 1 | 2): Box {
  const side = TILE / per;
  return { x0: tx * side, y0: ty * side, x1: (tx + 1) * side, y1: (ty + 1) * side };
}

function halve(box: Box): Box {
  return { x0: box.x0 >> 1, y0: box.y0 >> 1, x1: box.x1 >> 1, y1: box.y1 >> 1 };
}

/** The overlap of two boxes, or undefined when they do not overlap. */
function intersect(a: Box, b: Box): Box | undefined {
  const box = { x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) };
  return box.x1 > box.x0 && box.y1 > box.y0 ? box : undefined;
}
