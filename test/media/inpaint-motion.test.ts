import { describe, expect, it } from 'vitest';
import { MotionEstimator } from '../../src/media/inpaint/motion.js';
import { angleOf, applyX, applyY, compose, invert, scaleOf, type Similarity } from '../../src/media/inpaint/similarity.js';
import { camera, lcg, shoot, waves } from '../support/synthetic-scene.js';

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

/** Largest distance, over the frame's corners, between where two models put a pixel. */
function largestError(p: Similarity, q: Similarity, w: number, h: number): number {
  let most = 0;
  for (const [x, y] of [
    [0, 0],
    [w, 0],
    [0, h],
    [w, h],
  ] as const) {
    most = Math.max(most, Math.hypot(applyX(p, x, y) - applyX(q, x, y), applyY(p, x, y) - applyY(q, x, y)));
  }
  return most;
}

const none = (w: number, h: number) => new Uint8Array(w * h);

describe('MotionEstimator', () => {
  it('recovers a camera path of known whole-pixel translations, at two frame sizes (moves of up to 12 px a frame)', () => {
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
      path.forEach(([x, y], i) => {
        const found = motion.next(crop(big, w + 200, x, y, w, h), none(w, h), undefined);
        const [px, py] = i ? path[i - 1]! : path[0];
        expect(largestError(found, { a: 1, b: 0, tx: x - px, ty: y - py }, w, h), `${w}x${h}, frame ${i}`).toBeLessThan(0.05);
      });
    }
  });

  it('recovers zooms and turns to within 1 % and shifts to a few hundredths of a pixel, at two frame sizes', () => {
    for (const [w, h] of [
      [192, 128],
      [480, 270],
    ] as const) {
      const scene = waves(5);
      // Zoom, degrees, shift: a zoom in, a zoom out, turns either way, sub-pixel shifts and a larger pan.
      const steps = [
        [1, 0, 0, 0],
        [1.03, 0, 0.37, -0.21],
        [1.06, 1.5, -0.61, 0.4],
        [1.04, -1, 2.3, 0],
        [1.04, -3, 1.2, 5.7],
        [1.01, -2.5, -4.4, 1.1],
      ] as const;
      const cameras = steps.map(([zoom, degrees, dx, dy]) => camera(w, h, zoom, degrees, dx, dy));
      const motion = new MotionEstimator(w, h);
      cameras.forEach((c, i) => {
        const found = motion.next(shoot(scene, c, w, h), none(w, h), undefined);
        if (!i) return;
        // Current pixel x shows scene point c(x), which the frame before showed at its c⁻¹(c(x)).
        const truth = compose(invert(cameras[i - 1]!), c);
        const label = `${w}x${h}, frame ${i}`;
        const zoom = scaleOf(truth) - 1;
        const turn = angleOf(truth);
        expect(Math.abs(scaleOf(found) - 1 - zoom), label).toBeLessThanOrEqual(Math.max(0.01 * Math.abs(zoom), 1e-4));
        expect(Math.abs(angleOf(found) - turn), label).toBeLessThanOrEqual(Math.max(0.01 * Math.abs(turn), 1e-5));
        expect(largestError(found, truth, w, h), label).toBeLessThan(0.02);
      });
    }
  });

  it('follows the background, not a large object moving the other way inside the fill region', () => {
    const w = 320;
    const h = 180;
    const big = texture(w + 100, h + 40, 7);
    const motion = new MotionEstimator(w, h);
    const random = lcg(3);
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
      const found = motion.next(frame, weight, { x0: ox, y0: 40, x1: ox + 100, y1: 140 });
      if (i) expect(largestError(found, { a: 1, b: 0, tx: 4, ty: 0 }, w, h), `frame ${i}`).toBeLessThan(0.05);
    }
  });

  it('follows the larger part of the picture when a nearer, unmasked layer moves otherwise (parallax)', () => {
    const w = 256;
    const h = 160;
    const far = waves(11);
    const near = waves(12);
    const motion = new MotionEstimator(w, h);
    const cameras = [0, 1, 2, 3].map((k) => camera(w, h, 1 + 0.02 * k, 0.5 * k, 1.5 * k, 0));
    cameras.forEach((c, k) => {
      const frame = shoot(far, c, w, h);
      // A post near the camera, a fifth of the frame wide, sweeping right by 6 px a frame.
      const x0 = 40 + 6 * k;
      for (let y = 0; y < h; y++) for (let x = x0; x < x0 + w / 5; x++) frame[y * w + x] = Math.max(0, Math.min(255, Math.round(near(x - 6 * k, y))));
      const found = motion.next(frame, none(w, h), undefined);
      if (k) expect(largestError(found, compose(invert(cameras[k - 1]!), c), w, h), `frame ${k}`).toBeLessThan(0.1);
    });
  });

  it('reads a featureless picture as a still camera', () => {
    const motion = new MotionEstimator(64, 48);
    const flat = new Uint8Array(64 * 48).fill(90);
    motion.next(flat, none(64, 48), undefined);
    expect(motion.next(flat, none(64, 48), undefined)).toEqual({ a: 1, b: 0, tx: 0, ty: 0 });
  });
});
