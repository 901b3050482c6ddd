import { describe, expect, it } from 'vitest';
import { composeFill } from '../../src/media/inpaint/compose.js';
import { FillMask } from '../../src/media/inpaint/fill-mask.js';
import type { Box } from '../../src/media/inpaint/frame.js';
import { yuvPlanes } from '../../src/media/inpaint/frame.js';
import { MADE, Mosaic } from '../../src/media/inpaint/mosaic.js';
import { fillNeverSeen } from '../../src/media/inpaint/never-seen.js';
import { followField, synthesizeTexture } from '../../src/media/inpaint/patch-fill.js';
import { IDENTITY } from '../../src/media/inpaint/similarity.js';
import { fillFromBoundary } from '../../src/media/inpaint/spatial-fill.js';

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Waves at a few scales plus grain, like footage: the grain is what a smooth fill loses. */
function texture(width: number, height: number, seed: number): Uint8Array {
  const random = lcg(seed);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = Math.round(128 + 40 * Math.sin(x / 5) * Math.cos(y / 7) + 20 * Math.sin((x + 2 * y) / 13) + 24 * (random() - 0.5));
  }
  return out;
}

/** Mean variance of the 5×5 windows lying wholly where `inside` holds, within `box`. */
function localVariance(plane: Uint8Array, width: number, box: Box, inside: (x: number, y: number) => boolean): number {
  let total = 0;
  let windows = 0;
  for (let y = box.y0; y + 5 <= box.y1; y++) {
    for (let x = box.x0; x + 5 <= box.x1; x++) {
      let sum = 0;
      let squares = 0;
      let whole = true;
      for (let yy = y; yy < y + 5 && whole; yy++) {
        for (let xx = x; xx < x + 5; xx++) {
          if (!inside(xx, yy)) whole = false;
          const v = plane[yy * width + xx]!;
          sum += v;
          squares += v * v;
        }
      }
      if (!whole) continue;
      total += squares / 25 - (sum / 25) ** 2;
      windows++;
    }
  }
  return total / windows;
}

const W = 96;
const H = 72;
const HOLE = { x0: 36, y0: 26, x1: 62, y1: 48 };
const inHole = (x: number, y: number) => x >= HOLE.x0 && x < HOLE.x1 && y >= HOLE.y0 && y < HOLE.y1;
const AROUND = { x0: 20, y0: 10, x1: 78, y1: 64 };

function holeMaps(): { known: Uint8Array; hole: Uint8Array } {
  const known = new Uint8Array(W * H).fill(1);
  const hole = new Uint8Array(W * H);
  for (let y = HOLE.y0; y < HOLE.y1; y++) {
    for (let x = HOLE.x0; x < HOLE.x1; x++) {
      known[y * W + x] = 0;
      hole[y * W + x] = 1;
    }
  }
  return { known, hole };
}

function punched(truth: Uint8Array): Uint8Array {
  const plane = Uint8Array.from(truth);
  for (let y = HOLE.y0; y < HOLE.y1; y++) plane.fill(0, y * W + HOLE.x0, y * W + HOLE.x1);
  return plane;
}

describe('synthesizeTexture', () => {
  it('fills a hole with texture as varied as its surroundings, where a smooth fill is flat, and touches nothing else', () => {
    const truth = texture(W, H, 7);
    const { known, hole } = holeMaps();
    const area = { x0: 0, y0: 0, x1: W, y1: H };
    const plane = punched(truth);
    expect(synthesizeTexture(plane, W, known, hole, area)).toBeDefined();
    // It marks what it filled as known.
    expect(known.every((k) => k === 1)).toBe(true);
    const smooth = punched(truth);
    fillFromBoundary([smooth], W, holeMaps().known, hole, area);

    const around = localVariance(truth, W, AROUND, (x, y) => !inHole(x, y));
    const filled = localVariance(plane, W, HOLE, inHole);
    expect(filled).toBeGreaterThan(around / 2);
    expect(filled).toBeLessThan(around * 2);
    // The test tells the two apart: the smooth fill keeps little of the grain.
    expect(localVariance(smooth, W, HOLE, inHole)).toBeLessThan(around / 2);
    for (let i = 0; i < W * H; i++) if (!hole[i]) expect(plane[i]).toBe(truth[i]);
  });

  it('textures a small hole too, synthesized at full resolution only', () => {
    const truth = texture(W, H, 9);
    const small = { x0: 40, y0: 30, x1: 52, y1: 40 };
    const inSmall = (x: number, y: number) => x >= small.x0 && x < small.x1 && y >= small.y0 && y < small.y1;
    const known = Uint8Array.from({ length: W * H }, (_, i) => (inSmall(i % W, Math.floor(i / W)) ? 0 : 1));
    const hole = Uint8Array.from(known, (k) => 1 - k);
    const plane = Uint8Array.from(truth, (v, i) => (hole[i] ? 0 : v));
    synthesizeTexture(plane, W, known, hole, { x0: 24, y0: 14, x1: 68, y1: 56 });
    const around = localVariance(truth, W, { x0: 24, y0: 14, x1: 68, y1: 56 }, (x, y) => !inSmall(x, y));
    const filled = localVariance(plane, W, small, inSmall);
    expect(filled).toBeGreaterThan(around / 2);
    expect(filled).toBeLessThan(around * 2);
  });

  it('gives the same fill on every run', () => {
    const truth = texture(W, H, 11);
    const runs = [0, 1].map(() => {
      const { known, hole } = holeMaps();
      const plane = punched(truth);
      synthesizeTexture(plane, W, known, hole, { x0: 0, y0: 0, x1: W, y1: H });
      return plane;
    });
    expect(Buffer.from(runs[0]!).equals(Buffer.from(runs[1]!))).toBe(true);
  });

  it('continues a gradient under grain without a step at the hole’s edge', () => {
    const random = lcg(3);
    const truth = Uint8Array.from({ length: W * H }, (_, i) => Math.round(40 + 1.5 * (i % W) + 0.5 * Math.floor(i / W) + 12 * (random() - 0.5)));
    const { known, hole } = holeMaps();
    const plane = punched(truth);
    synthesizeTexture(plane, W, known, hole, { x0: 0, y0: 0, x1: W, y1: H });
    // Mean over each column of the hole against the truth's: patches from elsewhere would be too bright or dark.
    for (let x = HOLE.x0; x < HOLE.x1; x++) {
      let sum = 0;
      let expected = 0;
      for (let y = HOLE.y0; y < HOLE.y1; y++) {
        sum += plane[y * W + x]!;
        expected += truth[y * W + x]!;
      }
      expect(Math.abs(sum - expected) / (HOLE.y1 - HOLE.y0)).toBeLessThan(6);
    }
  });

  it('leaves the plane alone when no whole patch around the hole is known', () => {
    const plane = new Uint8Array(12 * 12).fill(9);
    const known = new Uint8Array(12 * 12);
    const hole = new Uint8Array(12 * 12).fill(1);
    expect(synthesizeTexture(plane, 12, known, hole, { x0: 0, y0: 0, x1: 12, y1: 12 })).toBeUndefined();
    expect(plane.every((v) => v === 9)).toBe(true);
  });
});

describe('followField', () => {
  it('fills half-resolution planes from where the luma was copied, so colour follows the texture', () => {
    // Chroma made from the luma itself (its top-left pixel of each 2×2): chroma that follows the luma's
    // copies still matches the synthesized luma, where a fill of its own would not.
    const truth = texture(W, H, 5);
    const cw = W / 2;
    const ch = H / 2;
    const cbox = { x0: HOLE.x0 >> 1, y0: HOLE.y0 >> 1, x1: HOLE.x1 >> 1, y1: HOLE.y1 >> 1 };
    const chroma = () => {
      const u = Uint8Array.from({ length: cw * ch }, (_, c) => truth[2 * Math.floor(c / cw) * W + 2 * (c % cw)]!);
      const known = new Uint8Array(cw * ch).fill(1);
      const hole = new Uint8Array(cw * ch);
      for (let cy = cbox.y0; cy < cbox.y1; cy++) {
        for (let cx = cbox.x0; cx < cbox.x1; cx++) {
          known[cy * cw + cx] = 0;
          hole[cy * cw + cx] = 1;
          u[cy * cw + cx] = 0;
        }
      }
      return { u, known, hole };
    };
    const { known, hole } = holeMaps();
    const plane = punched(truth);
    const field = synthesizeTexture(plane, W, known, hole, { x0: 0, y0: 0, x1: W, y1: H })!;
    const followed = chroma();
    expect(followField(field, [followed.u], cw, followed.known, followed.hole, cbox)).toBe(0);
    expect(followed.known.every((k) => k === 1)).toBe(true);
    const own = chroma();
    fillFromBoundary([own.u], cw, own.known, own.hole, { x0: 0, y0: 0, x1: cw, y1: ch });
    const off = (u: Uint8Array) => {
      let sum = 0;
      let samples = 0;
      for (let cy = cbox.y0; cy < cbox.y1; cy++) {
        for (let cx = cbox.x0; cx < cbox.x1; cx++) {
          sum += Math.abs(u[cy * cw + cx]! - plane[2 * cy * W + 2 * cx]!);
          samples++;
        }
      }
      return sum / samples;
    };
    expect(off(followed.u)).toBeLessThan(off(own.u) / 2);
  });
});

describe('fillNeverSeen', () => {
  it('gives a never-revealed region the same textured fill in every frame of a still shot', async () => {
    // A still shot with fresh grain each frame, and an object that never moves: its middle is never seen.
    const background = texture(W, H, 1);
    const frames = [0, 1, 2, 3].map((k) => {
      const random = lcg(100 + k);
      const frame = new Uint8Array(W * H * 1.5).fill(128);
      for (let i = 0; i < W * H; i++) frame[i] = Math.max(0, Math.min(255, background[i]! + Math.round(6 * (random() - 0.5))));
      for (let y = HOLE.y0; y < HOLE.y1; y++) frame.fill(20, y * W + HOLE.x0, y * W + HOLE.x1);
      return frame;
    });
    const mask = new Uint8Array(W * H).fill(255);
    for (let y = HOLE.y0; y < HOLE.y1; y++) mask.fill(0, y * W + HOLE.x0, y * W + HOLE.x1);
    const fill = new FillMask(W, H, { grow: 0, feather: 0 });
    fill.decode(mask);
    const mosaic = new Mosaic(W, H);
    for (const [i, frame] of frames.entries()) mosaic.recordFirst(yuvPlanes(frame, W, H), IDENTITY, fill, i);
    expect(await fillNeverSeen(mosaic)).toEqual({ needed: 26 * 22, neverSeen: 26 * 22 });
    expect(mosaic.luma.state[30 * W + 40]).toBe(MADE);

    const out = frames.map((frame) => {
      const copy = Uint8Array.from(frame);
      composeFill(yuvPlanes(copy, W, H), fill, mosaic, IDENTITY);
      return copy;
    });
    const region = (frame: Uint8Array) => Array.from({ length: HOLE.y1 - HOLE.y0 }, (_, r) => Array.from(frame.subarray((HOLE.y0 + r) * W + HOLE.x0, (HOLE.y0 + r) * W + HOLE.x1)));
    for (const frame of out.slice(1)) expect(region(frame)).toEqual(region(out[0]!));
    const around = localVariance(out[0]!, W, AROUND, (x, y) => !inHole(x, y));
    const filled = localVariance(out[0]!, W, HOLE, inHole);
    expect(filled).toBeGreaterThan(around / 2);
    expect(filled).toBeLessThan(around * 2);
    // Chroma is filled too (the scene has none: it stays 128).
    expect(out[0]![W * H + (30 >> 1) * (W >> 1) + (40 >> 1)]).toBe(128);
  });
});
