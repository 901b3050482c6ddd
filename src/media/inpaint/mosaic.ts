import type { FillMask } from './fill-mask.js';
import type { Box, YuvPlanes } from './frame.js';

/** What a mosaic pixel holds: nothing yet, background seen in some frame, or a value made by spatial fill. */
export const UNKNOWN = 0;
export const SEEN = 1;
export const MADE = 2;

const TILE = 32;

/**
 * The background in one coordinate frame for the whole clip: frame pixel (x, y) of a frame placed at offset
 * (ox, oy) is mosaic pixel (x + ox, y + oy). Camera motion moves the frame over the mosaic; the object's
 * fill region is never written, so what accumulates is the background seen around and behind it.
 *
 * Chroma is kept at full resolution: a pan by an odd number of pixels moves the 2×2 chroma grid by half a
 * sample, and full-resolution chroma lets the fill average the right four values instead of snapping.
 *
 * Memory is 5 bytes per mosaic pixel (Y, U, V, state, needed): the frame's area plus what the camera pans over,
 * whatever the clip's length.
 */
export class Mosaic {
  /** Global coordinates of the mosaic's top-left pixel, and its size. */
  x0 = 0;
  y0 = 0;
  width = 0;
  height = 0;
  y = new Uint8Array(0);
  u = new Uint8Array(0);
  v = new Uint8Array(0);
  state = new Uint8Array(0);
  /** 1 where some frame's fill region lies: the only places the fill ever reads. */
  needed = new Uint8Array(0);
  /** Bounding box of `needed`, in mosaic coordinates; undefined while nothing is needed. */
  neededBox: Box | undefined;
  private tilesAcross = 0;
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
      this.resize(ox, oy, fw, fh);
      return;
    }
    const left = ox < this.x0 ? Math.min(ox, this.x0 - (fw >> 1)) : this.x0;
    const top = oy < this.y0 ? Math.min(oy, this.y0 - (fh >> 1)) : this.y0;
    const right = ox + fw > this.x0 + this.width ? Math.max(ox + fw, this.x0 + this.width + (fw >> 1)) : this.x0 + this.width;
    const bottom = oy + fh > this.y0 + this.height ? Math.max(oy + fh, this.y0 + this.height + (fh >> 1)) : this.y0 + this.height;
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
    const weight = fill.weight;
    const tx0 = Math.floor(mx / TILE);
    const ty0 = Math.floor(my / TILE);
    const tx1 = Math.ceil((mx + fw) / TILE);
    const ty1 = Math.ceil((my + fh) / TILE);
    for (let ty = ty0; ty < ty1; ty++) {
      for (let tx = tx0; tx < tx1; tx++) {
        const tile = ty * this.tilesAcross + tx;
        if (!this.unseenInTile[tile]) continue;
        const gy0 = Math.max(ty * TILE, my);
        const gy1 = Math.min((ty + 1) * TILE, my + fh, this.height);
        const gx0 = Math.max(tx * TILE, mx);
        const gx1 = Math.min((tx + 1) * TILE, mx + fw, this.width);
        let found = 0;
        for (let gy = gy0; gy < gy1; gy++) {
          const fy = gy - my;
          for (let gx = gx0; gx < gx1; gx++) {
            const g = gy * this.width + gx;
            if (this.state[g] !== UNKNOWN) continue;
            const fx = gx - mx;
            if (weight[fy * fw + fx]) continue;
            this.copyPixel(frame, fx, fy, g);
            found++;
          }
        }
        this.unseenInTile[tile]! -= found;
      }
    }
    this.markNeeded(fill, mx, my);
  }

  /**
   * Pass 2: overwrites with this frame's background where fills will read, so a later frame takes the most
   * recent view; where no earlier frame showed a place, the first later view (from pass 1) is still there.
   */
  recordLast(frame: YuvPlanes, ox: number, oy: number, fill: FillMask): void {
    const box = this.neededBox;
    if (!box) return;
    const mx = ox - this.x0;
    const my = oy - this.y0;
    const { width: fw, height: fh } = frame;
    const weight = fill.weight;
    const gy0 = Math.max(box.y0, my);
    const gy1 = Math.min(box.y1, my + fh);
    const gx0 = Math.max(box.x0, mx);
    const gx1 = Math.min(box.x1, mx + fw);
    for (let gy = gy0; gy < gy1; gy++) {
      const fy = gy - my;
      for (let gx = gx0; gx < gx1; gx++) {
        const fx = gx - mx;
        if (weight[fy * fw + fx]) continue;
        const g = gy * this.width + gx;
        this.copyPixel(frame, fx, fy, g);
      }
    }
  }

  private copyPixel(frame: YuvPlanes, fx: number, fy: number, g: number): void {
    const fw = frame.width;
    const c = (fy >> 1) * (fw >> 1) + (fx >> 1);
    this.y[g] = frame.y[fy * fw + fx]!;
    this.u[g] = frame.u[c]!;
    this.v[g] = frame.v[c]!;
    this.state[g] = SEEN;
  }

  private markNeeded(fill: FillMask, mx: number, my: number): void {
    const box = fill.box;
    if (!box) return;
    const fw = this.frameWidth;
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0; x < box.x1; x++) if (fill.weight[y * fw + x]) this.needed[(y + my) * this.width + x + mx] = 1;
    }
    // A margin around it, for the ring the fill compares brightness on.
    const margin = 4;
    const g = { x0: Math.max(0, box.x0 + mx - margin), y0: Math.max(0, box.y0 + my - margin), x1: Math.min(this.width, box.x1 + mx + margin), y1: Math.min(this.height, box.y1 + my + margin) };
    const n = this.neededBox;
    this.neededBox = n ? { x0: Math.min(n.x0, g.x0), y0: Math.min(n.y0, g.y0), x1: Math.max(n.x1, g.x1), y1: Math.max(n.y1, g.y1) } : g;
  }

  private resize(x0: number, y0: number, width: number, height: number): void {
    const old = { x0: this.x0, y0: this.y0, width: this.width, height: this.height, y: this.y, u: this.u, v: this.v, state: this.state, needed: this.needed };
    const size = width * height;
    this.y = new Uint8Array(size);
    this.u = new Uint8Array(size);
    this.v = new Uint8Array(size);
    this.state = new Uint8Array(size);
    this.needed = new Uint8Array(size);
    const dx = old.x0 - x0;
    const dy = old.y0 - y0;
    for (let row = 0; row < old.height; row++) {
      const from = row * old.width;
      const to = (row + dy) * width + dx;
      this.y.set(old.y.subarray(from, from + old.width), to);
      this.u.set(old.u.subarray(from, from + old.width), to);
      this.v.set(old.v.subarray(from, from + old.width), to);
      this.state.set(old.state.subarray(from, from + old.width), to);
      this.needed.set(old.needed.subarray(from, from + old.width), to);
    }
    if (this.neededBox) this.neededBox = { x0: this.neededBox.x0 + dx, y0: this.neededBox.y0 + dy, x1: this.neededBox.x1 + dx, y1: this.neededBox.y1 + dy };
    this.x0 = x0;
    this.y0 = y0;
    this.width = width;
    this.height = height;
    this.tilesAcross = Math.ceil(width / TILE);
    const tilesDown = Math.ceil(height / TILE);
    this.unseenInTile = new Int32Array(this.tilesAcross * tilesDown);
    for (let y = 0; y < height; y++) {
      const trow = Math.floor(y / TILE) * this.tilesAcross;
      for (let x = 0; x < width; x++) if (this.state[y * width + x] === UNKNOWN) this.unseenInTile[trow + Math.floor(x / TILE)]!++;
    }
  }
}
