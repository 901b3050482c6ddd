import type { OutpaintGeometry } from './outpaint-geometry.js';

/** How the new border is painted; the defaults are what the outpainting step uses. */
export interface BorderFillOptions {
  /** Cells of the coarse blur grid across the picture's shorter side: fewer cells, softer far border. */
  cellsAcross?: number;
  /** Box-blur passes over the coarse grid (three approximate a Gaussian). */
  blurPasses?: number;
  /** Radius of each pass, in cells. */
  blurRadius?: number;
  /** Share of each new frame in the running average of the coarse fill; lower is steadier and lags more. */
  temporalWeight?: number;
}

/**
 * Paints the border of a widened canvas around each frame, in rgb24. Near the picture the border is the picture
 * mirrored at its edge, so nothing jumps at the seam; with distance from the edge it fades into a heavy blur
 * of the mirrored canvas, so the mirror's doubles dissolve instead of reading as copies. The blur is computed
 * on a coarse grid and averaged over time (an exponential moving average), which keeps the far border from
 * flickering with small changes in the picture. The picture itself is copied unchanged.
 *
 * Everything that depends only on the geometry (mirror sources, blend weights, interpolation taps) is
 * computed once, so a frame costs a pass over the canvas.
 */
export class BorderFill {
  readonly width: number;
  readonly height: number;
  private readonly geometry: OutpaintGeometry;
  private readonly temporalWeight: number;
  private readonly blurPasses: number;
  private readonly blurRadius: number;
  /** Source column/row in the picture of every canvas column/row (mirrored outside it). */
  private readonly sourceColumn: Int32Array;
  private readonly sourceRow: Int32Array;
  /** Coarse grid. */
  private readonly cell: number;
  private readonly gridWidth: number;
  private readonly gridHeight: number;
  private readonly cellOfColumn: Int32Array;
  private readonly cellOfRow: Int32Array;
  private readonly cellArea: Float32Array;
  private readonly sums: Float32Array;
  private readonly scratch: Float32Array;
  private smoothed: Float32Array | undefined;
  /** Border pixels: canvas offset, picture offset of their mirror source, blend weight, interpolation taps. */
  private readonly borderAt: Uint32Array;
  private readonly borderSource: Uint32Array;
  private readonly borderBlur: Float32Array;
  private readonly borderTap: Uint32Array;
  private readonly borderFx: Float32Array;
  private readonly borderFy: Float32Array;

  constructor(geometry: OutpaintGeometry, options: BorderFillOptions = {}) {
    this.geometry = geometry;
    const { canvas, content, offset } = geometry;
    this.width = canvas.width;
    this.height = canvas.height;
    this.temporalWeight = options.temporalWeight ?? 0.25;
    this.blurPasses = options.blurPasses ?? 3;
    this.blurRadius = options.blurRadius ?? 2;

    this.sourceColumn = Int32Array.from({ length: canvas.width }, (_, x) => mirror(x - offset.x, content.width));
    this.sourceRow = Int32Array.from({ length: canvas.height }, (_, y) => mirror(y - offset.y, content.height));

    this.cell = Math.max(2, Math.round(Math.min(content.width, content.height) / (options.cellsAcross ?? 16)));
    this.gridWidth = Math.ceil(canvas.width / this.cell);
    this.gridHeight = Math.ceil(canvas.height / this.cell);
    this.cellOfColumn = Int32Array.from({ length: canvas.width }, (_, x) => Math.floor(x / this.cell));
    this.cellOfRow = Int32Array.from({ length: canvas.height }, (_, y) => Math.floor(y / this.cell));
    this.cellArea = new Float32Array(this.gridWidth * this.gridHeight);
    for (let y = 0; y < canvas.height; y++) for (let x = 0; x < canvas.width; x++) this.cellArea[this.cellOfRow[y]! * this.gridWidth + this.cellOfColumn[x]!]! += 1;
    this.sums = new Float32Array(this.gridWidth * this.gridHeight * 3);
    this.scratch = new Float32Array(this.sums.length);

    const count = canvas.width * canvas.height - content.width * content.height;
    this.borderAt = new Uint32Array(count);
    this.borderSource = new Uint32Array(count);
    this.borderBlur = new Float32Array(count);
    this.borderTap = new Uint32Array(count);
    this.borderFx = new Float32Array(count);
    this.borderFy = new Float32Array(count);
    let i = 0;
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        const weight = blurWeight(geometry, x, y);
        if (weight < 0) continue;
        this.borderAt[i] = y * canvas.width + x;
        this.borderSource[i] = this.sourceRow[y]! * content.width + this.sourceColumn[x]!;
        this.borderBlur[i] = weight;
        // Bilinear taps between coarse cell centres, clamped at the grid's edges.
        const gx = Math.min(this.gridWidth - 1, Math.max(0, (x + 0.5) / this.cell - 0.5));
        const gy = Math.min(this.gridHeight - 1, Math.max(0, (y + 0.5) / this.cell - 0.5));
        const cx = Math.min(this.gridWidth - 2, Math.floor(gx));
        const cy = Math.min(this.gridHeight - 2, Math.floor(gy));
        this.borderTap[i] = Math.max(0, cy) * this.gridWidth + Math.max(0, cx);
        this.borderFx[i] = this.gridWidth > 1 ? gx - Math.max(0, cx) : 0;
        this.borderFy[i] = this.gridHeight > 1 ? gy - Math.max(0, cy) : 0;
        i++;
      }
    }
  }

  /**
   * Writes the canvas for one picture (`content`, rgb24 at the geometry's content size) into `out` (rgb24 at
   * the canvas size). Call once per frame, in order: the far border is averaged over the frames seen so far.
   */
  fill(content: Buffer, out: Buffer): void {
    const { canvas, content: size, offset } = this.geometry;
    const cw = canvas.width;
    for (let y = 0; y < size.height; y++) content.copy(out, ((y + offset.y) * cw + offset.x) * 3, y * size.width * 3, (y + 1) * size.width * 3);

    const blurred = this.coarseBlur(content);
    const gw = this.gridWidth;
    const stepX = this.gridWidth > 1 ? 3 : 0;
    const stepY = this.gridHeight > 1 ? gw * 3 : 0;
    for (let i = 0; i < this.borderAt.length; i++) {
      const at = this.borderAt[i]! * 3;
      const from = this.borderSource[i]! * 3;
      const w = this.borderBlur[i]!;
      const fx = this.borderFx[i]!;
      const fy = this.borderFy[i]!;
      const t = this.borderTap[i]! * 3;
      for (let c = 0; c < 3; c++) {
        const top = blurred[t + c]! + (blurred[t + stepX + c]! - blurred[t + c]!) * fx;
        const bottom = blurred[t + stepY + c]! + (blurred[t + stepY + stepX + c]! - blurred[t + stepY + c]!) * fx;
        const soft = top + (bottom - top) * fy;
        const sharp = content[from + c]!;
        out[at + c] = Math.round(sharp + (soft - sharp) * w);
      }
    }
  }

  /** The mirrored canvas averaged per cell, blurred, then averaged over time. */
  private coarseBlur(content: Buffer): Float32Array {
    const { width, height } = this;
    const sums = this.sums;
    sums.fill(0);
    const rowBytes = this.geometry.content.width * 3;
    for (let y = 0; y < height; y++) {
      const row = this.sourceRow[y]! * rowBytes;
      const gridRow = this.cellOfRow[y]! * this.gridWidth;
      for (let x = 0; x < width; x++) {
        const s = row + this.sourceColumn[x]! * 3;
        const g = (gridRow + this.cellOfColumn[x]!) * 3;
        sums[g]! += content[s]!;
        sums[g + 1]! += content[s + 1]!;
        sums[g + 2]! += content[s + 2]!;
      }
    }
    for (let g = 0; g < this.cellArea.length; g++) {
      const area = this.cellArea[g]!;
      sums[g * 3]! /= area;
      sums[g * 3 + 1]! /= area;
      sums[g * 3 + 2]! /= area;
    }
    for (let pass = 0; pass < this.blurPasses; pass++) {
      boxBlur(sums, this.scratch, this.gridWidth, this.gridHeight, this.blurRadius, true);
      boxBlur(this.scratch, sums, this.gridWidth, this.gridHeight, this.blurRadius, false);
    }
    if (!this.smoothed) {
      this.smoothed = Float32Array.from(sums);
    } else {
      const k = this.temporalWeight;
      const smoothed = this.smoothed;
      for (let i = 0; i < smoothed.length; i++) smoothed[i]! += (sums[i]! - smoothed[i]!) * k;
    }
    return this.smoothed;
  }
}

/**
 * Index of a picture column (or row) for a canvas position `i` relative to the picture's edge, mirroring at
 * both edges with the edge pixel repeated (… 1 0 | 0 1 … n−1 | n−1 n−2 …), so the border continues the
 * picture without a jump. Positions farther than the picture is long keep bouncing.
 */
export function mirror(i: number, length: number): number {
  const period = 2 * length;
  const m = ((i % period) + period) % period;
  return m < length ? m : period - 1 - m;
}

/**
 * How much of a border pixel is blur rather than mirror: 0 for the pixels right next to the picture (their
 * mirror source is the edge pixel itself, so the seam cannot show), rising smoothly to 1 half-way across the
 * strip: the mirror only bridges the seam, and its doubles of things near the edge dissolve before they read
 * as copies. A thin strip ramps over an eighth of the picture instead, so its blur does not start with a step.
 * In the corners the larger of the horizontal and vertical ramps decides. −1 inside the picture.
 */
export function blurWeight(geometry: OutpaintGeometry, x: number, y: number): number {
  const { canvas, content, offset } = geometry;
  const right = canvas.width - offset.x - content.width;
  const bottom = canvas.height - offset.y - content.height;
  // Distance in pixels from the picture: 1 for the first column or row outside it.
  const dx = x < offset.x ? offset.x - x : x >= offset.x + content.width ? x - offset.x - content.width + 1 : 0;
  const dy = y < offset.y ? offset.y - y : y >= offset.y + content.height ? y - offset.y - content.height + 1 : 0;
  if (dx === 0 && dy === 0) return -1;
  const tx = dx === 0 ? 0 : (dx - 1) / ramp(x < offset.x ? offset.x : right, content.width);
  const ty = dy === 0 ? 0 : (dy - 1) / ramp(y < offset.y ? offset.y : bottom, content.height);
  const t = Math.min(1, Math.max(tx, ty));
  return t * t * (3 - 2 * t);
}

function ramp(strip: number, length: number): number {
  return Math.max(1, strip / 2, length / 8);
}

/** One box-blur pass along rows (`horizontal`) or columns of an rgb float grid, edges clamped. */
function boxBlur(from: Float32Array, to: Float32Array, width: number, height: number, radius: number, horizontal: boolean): void {
  const length = horizontal ? width : height;
  const lines = horizontal ? height : width;
  const stride = (horizontal ? 1 : width) * 3;
  const span = 2 * radius + 1;
  for (let line = 0; line < lines; line++) {
    const base = (horizontal ? line * width : line) * 3;
    for (let c = 0; c < 3; c++) {
      const at = (i: number): number => from[base + Math.min(length - 1, Math.max(0, i)) * stride + c]!;
      let sum = 0;
      for (let i = -radius; i <= radius; i++) sum += at(i);
      for (let i = 0; i < length; i++) {
        to[base + i * stride + c] = sum / span;
        sum += at(i + radius + 1) - at(i - radius);
      }
    }
  }
}
