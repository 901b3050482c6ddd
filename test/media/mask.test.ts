import { describe, expect, it } from 'vitest';
import { Dilator } from '../../src/media/dilate.js';
import { MaskConverter } from '../../src/media/mask.js';

/** The definition: a pixel is in when some marked pixel lies within radius (Euclidean). */
function bruteDilate(marked: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      search: for (let yy = Math.max(0, y - radius); yy <= Math.min(height - 1, y + radius); yy++) {
        for (let xx = Math.max(0, x - radius); xx <= Math.min(width - 1, x + radius); xx++) {
          if (marked[yy * width + xx] && (xx - x) ** 2 + (yy - y) ** 2 <= radius * radius) {
            out[y * width + x] = 1;
            break search;
          }
        }
      }
    }
  }
  return out;
}

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('Dilator', () => {
  it('matches the brute-force round dilation on random sparse and dense masks', () => {
    const random = lcg(42);
    for (const [width, height, density] of [
      [37, 23, 0.01],
      [50, 41, 0.05],
      [16, 64, 0.3],
      [1, 9, 0.2],
    ] as const) {
      const dilator = new Dilator(width, height);
      for (const radius of [0, 1, 2, 3, 5, 8, 40]) {
        const marked = new Uint8Array(width * height).map(() => (random() < density ? 1 : 0));
        const out = new Uint8Array(width * height);
        dilator.dilate(marked, radius, out);
        expect(Array.from(out), `${width}x${height} r=${radius}`).toEqual(Array.from(bruteDilate(marked, width, height, radius)));
      }
    }
  });

  it('grows a single pixel into a disk, not a square', () => {
    const marked = new Uint8Array(21 * 21);
    marked[10 * 21 + 10] = 1;
    const out = new Uint8Array(21 * 21);
    new Dilator(21, 21).dilate(marked, 5, out);
    expect(out[10 * 21 + 15]).toBe(1); // 5 px right
    expect(out[15 * 21 + 13]).toBe(0); // (3, 5): 34 > 25 → out
    expect(out[14 * 21 + 13]).toBe(1); // (3, 4): 25 → in
    expect(out[14 * 21 + 14]).toBe(0); // (4, 4): 32 → out, a square would include it
    expect(out.reduce((a, b) => a + b, 0)).toBe(81); // lattice points with x² + y² ≤ 25
  });

  it('dilates an empty mask to nothing and a full one to everything', () => {
    const dilator = new Dilator(8, 8);
    const out = new Uint8Array(64);
    dilator.dilate(new Uint8Array(64), 3, out);
    expect(out.every((v) => v === 0)).toBe(true);
    dilator.dilate(new Uint8Array(64).fill(1), 3, out);
    expect(out.every((v) => v === 1)).toBe(true);
  });
});

describe('MaskConverter', () => {
  const gray = Uint8Array.from([0, 100, 127, 128, 200, 255]);
  it('thresholds (at or above) and maps to each convention', () => {
    const base = { invert: false, dilate: 0, threshold: 128 };
    expect(Array.from(new MaskConverter(6, 1, { ...base, to: 'binary' }).convert(gray))).toEqual([255, 255, 255, 0, 0, 0]);
    expect(Array.from(new MaskConverter(6, 1, { ...base, to: 'vace' }).convert(gray))).toEqual([0, 0, 0, 255, 255, 255]);
    expect(Array.from(new MaskConverter(6, 1, { ...base, to: 'vace', invert: true }).convert(gray))).toEqual([255, 255, 255, 0, 0, 0]);
    expect(Array.from(new MaskConverter(6, 1, { ...base, to: 'vace', threshold: 200 }).convert(gray))).toEqual([0, 0, 0, 0, 255, 255]);
  });

  it('marks the dilation ring 127 in a quadmask', () => {
    const row = Uint8Array.from([0, 0, 0, 0, 255, 0, 0, 0, 0]);
    const conversion = { to: 'quadmask' as const, invert: false, dilate: 2, threshold: 128 };
    expect(Array.from(new MaskConverter(9, 1, conversion).convert(row))).toEqual([255, 255, 127, 127, 0, 127, 127, 255, 255]);
    expect(Array.from(new MaskConverter(9, 1, { ...conversion, to: 'binary' }).convert(row))).toEqual([255, 255, 0, 0, 0, 0, 0, 255, 255]);
  });
});
