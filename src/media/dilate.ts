/**
 * Growing a binary region by a round structuring element of radius r: a pixel joins when its Euclidean
 * distance to the region is at most r. The distance transform is exact and costs O(width·height) whatever r
 * is (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", 2012), where sliding a disk
 * over the image would cost O(width·height·r²).
 */
export class Dilator {
  private readonly column: Float64Array;
  private readonly row: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly hull: Int32Array;
  private readonly bounds: Float64Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.column = new Float64Array(width * height);
    const n = Math.max(width, height);
    this.row = new Float64Array(n);
    this.rowOut = new Float64Array(n);
    this.hull = new Int32Array(n);
    this.bounds = new Float64Array(n + 1);
  }

  /**
   * Writes into `out` 1 for every pixel within `radius` of a marked pixel of `marked` (1 = marked), 0 elsewhere.
   * `out` may be `marked` itself.
   */
  dilate(marked: Uint8Array, radius: number, out: Uint8Array): void {
    const { width, height } = this;
    if (radius <= 0) {
      if (out !== marked) out.set(marked);
      return;
    }
    const r2 = radius * radius;
    const far = Infinity;
    // Pass 1, down each column: squared vertical distance to the nearest marked pixel in that column. Anything
    // beyond the radius is as good as infinitely far, which lets pass 2 skip most rows of a sparse mask.
    const col = this.column;
    for (let x = 0; x < width; x++) {
      let last = -1;
      for (let y = 0; y < height; y++) {
        const i = y * width + x;
        if (marked[i]) last = y;
        const d = last < 0 ? far : y - last;
        col[i] = d > radius ? far : d * d;
      }
      last = -1;
      for (let y = height - 1; y >= 0; y--) {
        const i = y * width + x;
        if (marked[i]) last = y;
        if (last >= 0) {
          const d = last - y;
          if (d <= radius && d * d < col[i]!) col[i] = d * d;
        }
      }
    }
    // Pass 2, along each row: the lower envelope of parabolas gives the exact squared Euclidean distance.
    const f = this.row;
    const d = this.rowOut;
    for (let y = 0; y < height; y++) {
      const base = y * width;
      let any = false;
      for (let x = 0; x < width; x++) {
        const v = col[base + x]!;
        f[x] = v;
        if (v !== far) any = true;
      }
      if (!any) {
        out.fill(0, base, base + width);
        continue;
      }
      this.envelope(width, f, d);
      for (let x = 0; x < width; x++) out[base + x] = d[x]! <= r2 ? 1 : 0;
    }
  }

  /** 1-D squared distance transform of sampled function f (Infinity = no sample), into d. */
  private envelope(n: number, f: Float64Array, d: Float64Array): void {
    const v = this.hull;
    const z = this.bounds;
    // Only finite samples take part: parabolas at infinity never lie on the envelope, and leaving them out avoids
    // Infinity − Infinity.
    let k = -1;
    for (let q = 0; q < n; q++) {
      const fq = f[q]!;
      if (fq === Infinity) continue;
      let s = -Infinity;
      while (k >= 0) {
        const p = v[k]!;
        s = (fq + q * q - (f[p]! + p * p)) / (2 * (q - p));
        if (s > z[k]!) break;
        k--;
      }
      k++;
      v[k] = q;
      z[k] = k === 0 ? -Infinity : s;
      z[k + 1] = Infinity;
    }
    let j = 0;
    for (let q = 0; q < n; q++) {
      while (z[j + 1]! < q) j++;
      const p = v[j]!;
      const dx = q - p;
      d[q] = dx * dx + f[p]!;
    }
  }
}
