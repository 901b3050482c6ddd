import { ByteReader, ByteWriter } from './box-runs.js';
import { type Box, grow } from './frame.js';

/**
 * Grey levels below this mark pixels to fill. VOID's masks put what to remove at 0 (quadmask: 0 object,
 * 63 overlap, 127 affected region) and what to keep at 255; 192 sits between 127 and 255 so compression noise
 * on either level cannot flip a pixel, and "each byte ≥ 192" is a two-bit test, which lets the scan skip four
 * untouched pixels at once.
 */
export const FILL_BELOW = 192;

export interface FillMaskOptions {
  /**
   * Pixels added around the marked region (a square of this radius). Masks from segmentation are tight, and
   * H.264 smears an object's edge over a pixel or two: without a margin that halo would stay in the output as
   * a ghost outline, and would be copied into the background mosaic as if it were background.
   */
  grow: number;
  /** Width of the cross-fade at the region's edge, inside the grown margin (at most `grow` of it), so no seam shows. */
  feather: number;
}

/** The offline removal's fill region; documented as its `dilation` and `feather` settings (src/models/wavespeed). */
export const DEFAULT_FILL_MASK: FillMaskOptions = { grow: 3, feather: 2 };

/**
 * Turns one grey mask frame into fill weights: 0 keeps the frame's pixel, 255 replaces it entirely, and the
 * few pixels in between (the feather) mix the two. Work after the scan is confined to the region's bounding box.
 */
export class FillMask {
  /** Per pixel of the frame: 0 keep … 255 fill. Zero outside `box`. */
  readonly weight: Uint8Array;
  /** Bounding box of the pixels whose weight is above 0; undefined when the frame marks nothing. */
  box: Box | undefined;
  /**
   * The same at chroma resolution (half width and height, for yuv420p): the strongest weight of the 2×2
   * pixels under each chroma sample. Zero outside `chromaBox`.
   */
  readonly chromaWeight: Uint8Array;
  chromaBox: Box | undefined;
  /**
   * After `decode`, per row of `box`, the runs of pixels whose weight is above 0: `at` holds [x0, x1) pairs,
   * row y's from starts[y − box.y0] to starts[y − box.y0 + 1]. Undefined after `unpack`, or when the weights
   * were not made from runs: then read `weight`.
   */
  spans: { at: Int32Array; starts: Int32Array } | undefined;
  /** Chessboard distance to the nearest marked pixel → weight. */
  private readonly ramp: Uint8Array;
  /** Scratch for weigh: the marked runs of the mask's rows, and one row's widened spans. */
  private runAt = new Int32Array(64);
  private runStarts = new Int32Array(0);
  private widenedAt = new Int32Array(64);
  private spanAt = new Int32Array(64);
  private spanStarts = new Int32Array(0);

  constructor(
    readonly width: number,
    readonly height: number,
    readonly options: FillMaskOptions = DEFAULT_FILL_MASK,
  ) {
    this.weight = new Uint8Array(width * height);
    this.chromaWeight = new Uint8Array((width >> 1) * (height >> 1));
    // A pixel d from the mask is g + 1 − d from the first pixel kept (g = grow), across a straight edge: the
    // feather's steps count from there. Marked pixels are always filled whole: the feather lies in the margin.
    const steps = options.feather + 1;
    const g = options.grow;
    this.ramp = Uint8Array.from({ length: 256 }, (_, d) => (d > g ? 0 : d === 0 || g + 1 - d >= steps ? 255 : Math.round((255 * (g + 1 - d)) / steps)));
  }

  /** Reads a gray mask frame (width × height bytes); returns the new `box`. */
  decode(gray: Uint8Array): Box | undefined {
    const { width, height } = this;
    this.clear();
    const core = findMarked(gray, width, height);
    if (!core) return (this.box = undefined);
    const box = grow(core, this.options.grow, width, height);
    this.weigh(gray, core, box);
    this.chromaBox = this.halve(box);
    return (this.box = box);
  }

  /** The current weights and boxes, packed small (see box-runs), for `unpack` to restore. */
  pack(): Uint8Array {
    const out = new ByteWriter();
    const { box, chromaBox } = this;
    if (!box || !chromaBox) {
      out.byte(0);
      return out.done();
    }
    out.byte(1);
    for (const b of [box, chromaBox]) for (const n of [b.x0, b.y0, b.x1, b.y1]) out.varint(n);
    out.runs(this.weight, this.width, box);
    out.runs(this.chromaWeight, this.width >> 1, chromaBox);
    return out.done();
  }

  /** Restores weights packed by `pack` of a FillMask of the same size, as `decode` of that mask frame would; returns the new `box`. */
  unpack(packed: Uint8Array): Box | undefined {
    this.clear();
    const input = new ByteReader(packed);
    if (!input.byte()) return undefined;
    const box = { x0: input.varint(), y0: input.varint(), x1: input.varint(), y1: input.varint() };
    const chromaBox = { x0: input.varint(), y0: input.varint(), x1: input.varint(), y1: input.varint() };
    input.runs(this.weight, this.width, box);
    input.runs(this.chromaWeight, this.width >> 1, chromaBox);
    this.chromaBox = chromaBox;
    return (this.box = box);
  }

  private clear(): void {
    if (this.box) clearBox(this.weight, this.width, this.box);
    if (this.chromaBox) clearBox(this.chromaWeight, this.width >> 1, this.chromaBox);
    this.box = undefined;
    this.chromaBox = undefined;
    this.spans = undefined;
  }

  /**
   * The weights of `box`: `ramp` of each pixel's chessboard distance to the nearest marked one, which within
   * `grow` of the mask is the region (the square dilation) and fades over its outer `feather` pixels. The
   * pixels within distance k of the mask, on a row, are the marked runs of the rows up to k above and below,
   * each widened by k; so from the marked runs of each row, each weight level is painted as a few runs, from
   * the outermost (lowest) in, over weights that are 0 to begin with. A per-pixel distance transform of the
   * box cost most of the mask's time on a large object; runs cost per row, and the fills are memset. The
   * frame's edge plays no part: the distance is to the mask.
   */
  private weigh(gray: Uint8Array, core: Box, box: Box): void {
    const { width, weight, ramp } = this;
    const runs = this.markedRuns(gray, core);
    const g = this.options.grow;
    const rows = box.y1 - box.y0;
    if (this.spanStarts.length < rows + 1) this.spanStarts = new Int32Array(rows + 1);
    let kept = 0;
    for (let y = box.y0; y < box.y1; y++) {
      const row = y * width;
      this.spanStarts[y - box.y0] = kept;
      for (let k = g; k >= 0; k--) {
        // A level inside one of the same weight adds nothing.
        if (k < g && ramp[k] === ramp[k + 1]) continue;
        const spans = this.widened(runs, core, y, k, box);
        for (let i = 0; i < spans.count; i++) weight.fill(ramp[k]!, row + spans.at[2 * i]!, row + spans.at[2 * i + 1]!);
        // The outermost level is the region: kept for the mosaic, which then skips the region by runs too.
        if (k === g) {
          if (this.spanAt.length < 2 * (kept + spans.count)) {
            const grown = new Int32Array(Math.max(2 * this.spanAt.length, 2 * (kept + spans.count)));
            grown.set(this.spanAt);
            this.spanAt = grown;
          }
          this.spanAt.set(spans.at.subarray(0, 2 * spans.count), 2 * kept);
          kept += spans.count;
        }
      }
    }
    this.spanStarts[rows] = kept;
    // A region's weights are above 0 only where its outermost level is (ramp[grow] > 0, as the feather is at
    // most `grow`); otherwise its spans would not say where they are.
    this.spans = ramp[g]! > 0 ? { at: this.spanAt, starts: this.spanStarts } : undefined;
  }

  /** Per row of `core`, its runs of marked pixels: `at` holds [x0, x1) pairs, row r's from starts[r] to starts[r + 1]. */
  private markedRuns(gray: Uint8Array, core: Box): { at: Int32Array; starts: Int32Array } {
    const rows = core.y1 - core.y0;
    if (this.runStarts.length < rows + 1) this.runStarts = new Int32Array(rows + 1);
    const starts = this.runStarts;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      starts[r] = n;
      const row = (core.y0 + r) * this.width;
      for (let x = core.x0; x < core.x1; ) {
        while (x < core.x1 && gray[row + x]! >= FILL_BELOW) x++;
        if (x === core.x1) break;
        const from = x;
        while (x < core.x1 && gray[row + x]! < FILL_BELOW) x++;
        if (2 * n + 2 > this.runAt.length) {
          const grown = new Int32Array(Math.max(64, 2 * this.runAt.length));
          grown.set(this.runAt);
          this.runAt = grown;
        }
        this.runAt[2 * n] = from;
        this.runAt[2 * n + 1] = x;
        n++;
      }
    }
    starts[rows] = n;
    return { at: this.runAt, starts };
  }

  /**
   * Row y's pixels within chessboard distance k of the mask, inside `box`: the runs of rows y − k … y + k
   * widened by k, merged; as [x0, x1) pairs in `spans.at`, in order.
   */
  private widened(runs: { at: Int32Array; starts: Int32Array }, core: Box, y: number, k: number, box: Box): { at: Int32Array; count: number } {
    const first = Math.max(core.y0, y - k) - core.y0;
    const last = Math.min(core.y1 - 1, y + k) - core.y0;
    const total = first <= last ? runs.starts[last + 1]! - runs.starts[first]! : 0;
    if (this.widenedAt.length < 2 * total) this.widenedAt = new Int32Array(2 * total);
    const at = this.widenedAt;
    let count = 0;
    for (let r = first; r <= last; r++) {
      for (let i = runs.starts[r]!; i < runs.starts[r + 1]!; i++) {
        // Insertion into the sorted list: a row has few runs, and the rows around it mostly the same ones.
        const x0 = Math.max(box.x0, runs.at[2 * i]! - k);
        const x1 = Math.min(box.x1, runs.at[2 * i + 1]! + k);
        let j = count++;
        while (j > 0 && at[2 * j - 2]! > x0) {
          at[2 * j] = at[2 * j - 2]!;
          at[2 * j + 1] = at[2 * j - 1]!;
          j--;
        }
        at[2 * j] = x0;
        at[2 * j + 1] = x1;
      }
    }
    // Merge overlapping and touching spans in place.
    let merged = 0;
    for (let i = 0; i < count; i++) {
      if (merged && at[2 * i]! <= at[2 * merged - 1]!) {
        if (at[2 * i + 1]! > at[2 * merged - 1]!) at[2 * merged - 1] = at[2 * i + 1]!;
      } else {
        at[2 * merged] = at[2 * i]!;
        at[2 * merged + 1] = at[2 * i + 1]!;
        merged++;
      }
    }
    return { at, count: merged };
  }

  /** chromaWeight of each 2×2 block of the box: the strongest weight under it. */
  private halve(box: Box): Box {
    const { width, weight, chromaWeight } = this;
    const cw = width >> 1;
    const cbox = { x0: box.x0 >> 1, y0: box.y0 >> 1, x1: Math.min(cw, (box.x1 + 1) >> 1), y1: Math.min(this.height >> 1, (box.y1 + 1) >> 1) };
    for (let cy = cbox.y0; cy < cbox.y1; cy++) {
      const r0 = 2 * cy * width;
      const r1 = r0 + width;
      const out = cy * cw;
      for (let cx = cbox.x0; cx < cbox.x1; cx++) {
        const x = 2 * cx;
        // Comparisons rather than Math.max of four: this runs for every chroma sample of every frame.
        const top = weight[r0 + x]! > weight[r0 + x + 1]! ? weight[r0 + x]! : weight[r0 + x + 1]!;
        const bottom = weight[r1 + x]! > weight[r1 + x + 1]! ? weight[r1 + x]! : weight[r1 + x + 1]!;
        chromaWeight[out + cx] = top > bottom ? top : bottom;
      }
    }
    return cbox;
  }
}

/**
 * Bounding box of the pixels below FILL_BELOW, or undefined. Row by row: from the left to the first marked
 * pixel and from the right to the last, four pixels at a time (a mask is mostly white), so the object's own
 * pixels between them are never read.
 */
export function findMarked(gray: Uint8Array, width: number, height: number): Box | undefined {
  let x0 = width;
  let x1 = 0;
  let y0 = height;
  let y1 = 0;
  // Words start at the first 4-byte-aligned byte of the buffer; they may straddle row ends.
  const head = (4 - (gray.byteOffset % 4)) % 4;
  // Signed words and a signed constant: unsigned values above 2³¹ would leave V8's fast integer path.
  const words = new Int32Array(gray.buffer, gray.byteOffset + head, Math.max(0, (gray.length - head) >> 2));
  for (let y = 0; y < height; y++) {
    const start = y * width;
    const end = start + width;
    const first = firstMarked(gray, words, head, start, end);
    if (first < 0) continue;
    const last = lastMarked(gray, words, head, first, end);
    if (first - start < x0) x0 = first - start;
    if (last - start >= x1) x1 = last - start + 1;
    if (y < y0) y0 = y;
    y1 = y + 1;
  }
  return y1 > y0 ? { x0, y0, x1, y1 } : undefined;
}

/** Every byte has its two top bits set: all four pixels are ≥ 192 and kept. */
const KEPT_WORD = 0xc0c0c0c0 | 0;

/** Index of the first byte in [from, to) below FILL_BELOW, or −1. */
function firstMarked(gray: Uint8Array, words: Int32Array, head: number, from: number, to: number): number {
  let i = from;
  while (i < to && (i - head) & 3) if (gray[i++]! < FILL_BELOW) return i - 1;
  while (i + 4 <= to && (words[(i - head) >> 2]! & KEPT_WORD) === KEPT_WORD) i += 4;
  for (; i < to; i++) if (gray[i]! < FILL_BELOW) return i;
  return -1;
}

/** Index of the last byte in [from, to) below FILL_BELOW; `from` is one. */
function lastMarked(gray: Uint8Array, words: Int32Array, head: number, from: number, to: number): number {
  let i = to;
  while (i > from && (i - head) & 3) if (gray[--i]! < FILL_BELOW) return i;
  while (i - 4 >= from && (words[(i - 4 - head) >> 2]! & KEPT_WORD) === KEPT_WORD) i -= 4;
  for (i--; i > from; i--) if (gray[i]! < FILL_BELOW) return i;
  return from;
}

function clearBox(plane: Uint8Array, width: number, box: Box): void {
  for (let y = box.y0; y < box.y1; y++) plane.fill(0, y * width + box.x0, y * width + box.x1);
}
