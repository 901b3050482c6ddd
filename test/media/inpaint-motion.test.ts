import { describe, expect, it } from 'vitest';
import { MotionEstimator } from '../../src/media/inpaint/motion.js';

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** A large textured image: smooth waves plus fine noise, like footage. */
function texture(width: number, height: number, seed = 1): Uint8Array {
  const random = lcg(seed);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = Math.round(128 + 50 * Math.sin(x / 9) * Math.cos(y / 11) + 30 * Math.sin((x + 2 * y) / 29) + 12 * (random() - 0.5));
  }
  return out;
}

function crop(image: Uint8Array, iw: number, x: number, y: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) out.set(image.subarray((y + r) * iw + x, (y + r) * iw + x + w), r * w);
  return out;
}

describe('MotionEstimator', () => {
  it('recovers a camera path of known whole-pixel translations exactly, at two frame sizes (moves of up to 12 px a frame)', () => {
    for (const [w, h] of [
      [160, 96],
      [640, 360],
    ] as const) {
      const big = texture(w + 200, h + 120);
      const path = [
        [100, 60],
        [103, 60],
        [109, 58],
        [97, 65],
        [97, 65],
        [109, 55],
        [110, 56],
        [98, 56],
      ] as const;
      const motion = new MotionEstimator(w, h);
      const none = new Uint8Array(w * h);
      const found = path.map(([x, y]) => motion.next(crop(big, w + 200, x, y, w, h), none, undefined));
      const expected = path.map(([x, y], i) => (i ? { dx: x - path[i - 1]![0], dy: y - path[i - 1]![1] } : { dx: 0, dy: 0 }));
      expect(found, `${w}x${h}`).toEqual(expected);
    }
  });

  it('follows the background, not a large object moving the other way inside the fill region', () => {
    const w = 320;
    const h = 180;
    const big = texture(w + 100, h + 40, 7);
    const motion = new MotionEstimator(w, h);
    const random = lcg(3);
    const shifts = [];
    for (let i = 0; i < 6; i++) {
      const frame = crop(big, w + 100, 10 + 4 * i, 20, w, h);
      // A 100×100 object of its own noise moving left by 9 px a frame, marked in the weights.
      const weight = new Uint8Array(w * h);
      const ox = 200 - 9 * i;
      for (let y = 40; y < 140; y++) {
        for (let x = ox; x < ox + 100; x++) {
          frame[y * w + x] = Math.round(random() * 255);
          weight[y * w + x] = 255;
        }
      }
      shifts.push(motion.next(frame, weight, { x0: ox, y0: 40, x1: ox + 100, y1: 140 }));
    }
    expect(shifts.slice(1)).toEqual(Array.from({ length: 5 }, () => ({ dx: 4, dy: 0 })));
  });

  it('reads a featureless picture as a still camera', () => {
    const motion = new MotionEstimator(64, 48);
    const flat = new Uint8Array(64 * 48).fill(90);
    motion.next(flat, new Uint8Array(64 * 48), undefined);
    expect(motion.next(flat, new Uint8Array(64 * 48), undefined)).toEqual({ dx: 0, dy: 0 });
  });
});
