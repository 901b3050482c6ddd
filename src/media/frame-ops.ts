/** Per-pixel operations on packed frames (any channel count; the extension uses rgb24). */

/** `out` = a + (b − a)·t, rounded: t = 0 gives a, 1 gives b. `out` may be `a` or `b`. */
export function mixFrames(a: Uint8Array, b: Uint8Array, t: number, out: Uint8Array): void {
  if (t <= 0) {
    if (out !== a) out.set(a);
    return;
  }
  if (t >= 1) {
    if (out !== b) out.set(b);
    return;
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.round(a[i]! + (b[i]! - a[i]!) * t);
}

/**
 * `out` = `source` (rgb24, width×height) magnified `zoom` times about its centre, sampled bilinearly so a slow
 * zoom moves smoothly rather than in whole-pixel steps. zoom 1 copies the frame exactly.
 */
export function zoomFrame(source: Uint8Array, width: number, height: number, zoom: number, out: Uint8Array): void {
  if (zoom === 1) {
    out.set(source);
    return;
  }
  const cols = taps(width, zoom);
  const rows = taps(height, zoom);
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const r0 = rows.index[y]! * stride;
    const r1 = r0 + (rows.index[y]! + 1 < height ? stride : 0);
    const fy = rows.fraction[y]!;
    for (let x = 0; x < width; x++) {
      const c0 = cols.index[x]! * 3;
      const c1 = c0 + (cols.index[x]! + 1 < width ? 3 : 0);
      const fx = cols.fraction[x]!;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = source[r0 + c0 + c]! + (source[r0 + c1 + c]! - source[r0 + c0 + c]!) * fx;
        const bottom = source[r1 + c0 + c]! + (source[r1 + c1 + c]! - source[r1 + c0 + c]!) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
}

/** For each output column (or row), the source one to its left and how far towards the next. */
function taps(length: number, zoom: number): { index: Int32Array; fraction: Float32Array } {
  const index = new Int32Array(length);
  const fraction = new Float32Array(length);
  const centre = length / 2;
  for (let i = 0; i < length; i++) {
    const s = Math.min(length - 1, Math.max(0, (i + 0.5 - centre) / zoom + centre - 0.5));
    index[i] = Math.floor(s);
    fraction[i] = s - index[i]!;
  }
  return { index, fraction };
}
