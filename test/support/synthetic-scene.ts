/**
 * Scenes defined everywhere, not only on pixels, and cameras over them: a frame of a scene under any zoom, turn
 * or sub-pixel shift is exact, so motion and fills can be checked against the truth.
 */
import { applyX, applyY, type Similarity } from '../../src/media/inpaint/similarity.js';

/** Deterministic pseudo-random numbers in [0, 1), so a failure reproduces. */
export function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Luma-like texture: waves of wavelengths 7 to 60 px in many directions, around 128. */
export function waves(seed: number): (x: number, y: number) => number {
  const random = lcg(seed);
  const parts = Array.from({ length: 14 }, (_, i) => {
    const wavelength = 7 + 53 * random();
    const direction = Math.PI * random();
    const k = (2 * Math.PI) / wavelength;
    return { kx: k * Math.cos(direction), ky: k * Math.sin(direction), phase: 2 * Math.PI * random(), amplitude: i < 4 ? 25 : 9 };
  });
  return (x, y) => {
    let v = 128;
    for (const p of parts) v += p.amplitude * Math.sin(p.kx * x + p.ky * y + p.phase);
    return v;
  };
}

/**
 * A camera about the centre of a width × height frame: frame pixel → scene coordinates, for a zoom (> 1
 * magnifies), a turn in degrees, then a shift of the scene.
 */
export function camera(width: number, height: number, zoom: number, degrees: number, dx: number, dy: number): Similarity {
  const s = 1 / zoom;
  const t = (degrees * Math.PI) / 180;
  const a = s * Math.cos(t);
  const b = s * Math.sin(t);
  const cx = width / 2;
  const cy = height / 2;
  return { a, b, tx: cx + dx - (a * cx - b * cy), ty: cy + dy - (b * cx + a * cy) };
}

/** One plane showing `scene` through `view` (plane pixel → scene coordinates), rounded to bytes. */
export function shoot(scene: (x: number, y: number) => number, view: Similarity, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = Math.max(0, Math.min(255, Math.round(scene(applyX(view, x, y), applyY(view, x, y)))));
  return out;
}
