import { describe, expect, it } from 'vitest';
import { fillFromBoundary } from '../../src/media/inpaint/spatial-fill.js';

describe('fillFromBoundary', () => {
  it('fills a hole in a smooth gradient close to the truth, and touches nothing else', () => {
    const w = 64;
    const h = 48;
    const truth = Uint8Array.from({ length: w * h }, (_, i) => 40 + 2 * (i % w) + Math.floor(i / w));
    const plane = Uint8Array.from(truth);
    const known = new Uint8Array(w * h).fill(1);
    const target = new Uint8Array(w * h);
    for (let y = 14; y < 34; y++) {
      for (let x = 20; x < 44; x++) {
        plane[y * w + x] = 0;
        known[y * w + x] = 0;
        target[y * w + x] = 1;
      }
    }
    // A known-nothing corner that is not a target (outside every frame) must stay as it is.
    known[0] = 0;
    plane[0] = 7;
    fillFromBoundary([plane], w, known, target, { x0: 0, y0: 0, x1: w, y1: h });
    let worst = 0;
    for (let i = 0; i < w * h; i++) if (target[i]) worst = Math.max(worst, Math.abs(plane[i]! - truth[i]!));
    // A flat fill at the boundary's mean would be off by ±30 here.
    expect(worst).toBeLessThanOrEqual(3);
    expect(plane[0]).toBe(7);
    for (let i = 1; i < w * h; i++) if (!target[i]) expect(plane[i]).toBe(truth[i]);
  });

  it('continues each side’s colour into a hole between two flat areas', () => {
    const w = 40;
    const h = 10;
    const plane = Uint8Array.from({ length: w * h }, (_, i) => (i % w < 20 ? 50 : 200));
    const known = new Uint8Array(w * h).fill(1);
    const target = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 15; x < 25; x++) {
        known[y * w + x] = 0;
        target[y * w + x] = 1;
      }
    }
    fillFromBoundary([plane], w, known, target, { x0: 0, y0: 0, x1: w, y1: h });
    const row = Array.from(plane.subarray(5 * w + 14, 5 * w + 26));
    for (let i = 1; i < row.length; i++) expect(row[i]!).toBeGreaterThanOrEqual(row[i - 1]!);
    expect(row[1]!).toBeLessThan(80);
    expect(row[10]!).toBeGreaterThan(170);
  });
});
