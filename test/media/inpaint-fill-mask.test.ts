import { describe, expect, it } from 'vitest';
import { FILL_BELOW, FillMask, findMarked } from '../../src/media/inpaint/fill-mask.js';

const W = 40;
const H = 24;

/** A gray mask: 255 everywhere, `level` over the rectangle. */
function maskWith(rect: { x: number; y: number; w: number; h: number }, level = 0, width = W, height = H): Uint8Array {
  const gray = new Uint8Array(width * height).fill(255);
  for (let y = rect.y; y < rect.y + rect.h; y++) gray.fill(level, y * width + rect.x, y * width + rect.x + rect.w);
  return gray;
}

describe('FillMask', () => {
  it('fills every VOID level below 192 (0, 63, 127, noisy mid greys) and keeps 192 and up (255, noisy whites)', () => {
    const mask = new FillMask(W, H, { grow: 0, feather: 0 });
    for (const level of [0, 3, 63, 127, 130, 190, 191]) {
      mask.decode(maskWith({ x: 5, y: 6, w: 4, h: 3 }, level));
      expect(mask.box, `level ${level}`).toEqual({ x0: 5, y0: 6, x1: 9, y1: 9 });
      expect(mask.weight[7 * W + 6]).toBe(255);
      expect(mask.weight.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(12);
    }
    for (const level of [FILL_BELOW, 200, 250, 255]) {
      expect(mask.decode(maskWith({ x: 5, y: 6, w: 4, h: 3 }, level)), `level ${level}`).toBeUndefined();
      expect(mask.weight.every((v) => v === 0)).toBe(true);
    }
  });

  it('grows the region by a square margin and fades its outer pixels in', () => {
    const mask = new FillMask(W, H, { grow: 3, feather: 2 });
    const box = mask.decode(maskWith({ x: 10, y: 8, w: 6, h: 4 }));
    expect(box).toEqual({ x0: 7, y0: 5, x1: 19, y1: 15 });
    const row = (y: number) => Array.from(mask.weight.subarray(y * W + 5, y * W + 21));
    // Through the middle: keep, 1/3, 2/3, then full from one pixel outside the object on.
    expect(row(10)).toEqual([0, 0, 85, 170, 255, 255, 255, 255, 255, 255, 255, 255, 170, 85, 0, 0]);
    // The outermost row of the margin is the first step of the fade.
    expect(row(5).slice(2, 14).every((v) => v === 85)).toBe(true);
    expect(row(4).every((v) => v === 0)).toBe(true);
    // Chroma samples take the strongest weight of their 2×2 block.
    const cw = W >> 1;
    expect(mask.chromaWeight[5 * cw + 3]).toBe(Math.max(mask.weight[10 * W + 6]!, mask.weight[10 * W + 7]!, mask.weight[11 * W + 6]!, mask.weight[11 * W + 7]!));
    expect(mask.chromaWeight[1 * cw + 1]).toBe(0);
  });

  it('does not fade at the frame edge, where there is nothing to fade into', () => {
    const mask = new FillMask(W, H, { grow: 1, feather: 2 });
    mask.decode(maskWith({ x: 0, y: 0, w: 5, h: 5 }));
    expect(mask.weight[0]).toBe(255);
    expect(mask.weight[5 * W + 0]).toBe(85);
  });

  it('forgets the previous frame’s region', () => {
    const mask = new FillMask(W, H, { grow: 2, feather: 1 });
    mask.decode(maskWith({ x: 2, y: 2, w: 4, h: 4 }));
    mask.decode(maskWith({ x: 30, y: 15, w: 4, h: 4 }));
    expect(mask.weight[4 * W + 4]).toBe(0);
    expect(mask.chromaWeight[2 * (W >> 1) + 2]).toBe(0);
    expect(mask.weight[17 * W + 31]).toBe(255);
  });

  it('finds marked pixels with or without the four-at-a-time scan', () => {
    // Width 37 is not a multiple of 4: the byte-by-byte path.
    for (const width of [40, 37]) {
      const gray = maskWith({ x: 33, y: 20, w: 2, h: 1 }, 100, width, 24);
      gray[3 * width + 1] = 0;
      expect(findMarked(gray, width, 24)).toEqual({ x0: 1, y0: 3, x1: 35, y1: 21 });
    }
  });

  it('finds the same box as a pixel-by-pixel scan, whatever the row length and the buffer’s alignment', () => {
    let state = 7;
    const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + Math.floor(random() * 23);
      const height = 1 + Math.floor(random() * 9);
      const offset = Math.floor(random() * 4);
      const gray = new Uint8Array(offset + width * height).fill(255).subarray(offset);
      for (let k = Math.floor(random() * 4); k > 0; k--) gray[Math.floor(random() * gray.length)] = Math.floor(random() * 192);
      let expected: { x0: number; y0: number; x1: number; y1: number } | undefined;
      for (let i = 0; i < gray.length; i++) {
        if (gray[i]! >= FILL_BELOW) continue;
        const x = i % width;
        const y = Math.floor(i / width);
        expected = expected ? { x0: Math.min(expected.x0, x), y0: Math.min(expected.y0, y), x1: Math.max(expected.x1, x + 1), y1: Math.max(expected.y1, y + 1) } : { x0: x, y0: y, x1: x + 1, y1: y + 1 };
      }
      expect(findMarked(gray, width, height), `${width}x${height} at offset ${offset}`).toEqual(expected);
    }
  });

  it('packs its weights small and unpacks them to what decode made, clearing the region before', () => {
    const source = new FillMask(W, H, { grow: 2, feather: 2 });
    const copy = new FillMask(W, H, { grow: 2, feather: 2 });
    copy.decode(maskWith({ x: 1, y: 1, w: 6, h: 6 }));
    // Two objects, one at the frame's edge, and then a frame with nothing to fill.
    const gray = maskWith({ x: 20, y: 4, w: 9, h: 7 });
    for (let y = 15; y < H; y++) gray.fill(0, y * W + 33, y * W + W);
    for (const mask of [gray, new Uint8Array(W * H).fill(255)]) {
      const box = source.decode(mask);
      const packed = source.pack();
      expect(copy.unpack(packed)).toEqual(box);
      expect(copy.box).toEqual(source.box);
      expect(copy.chromaBox).toEqual(source.chromaBox);
      expect(Buffer.compare(copy.weight, source.weight)).toBe(0);
      expect(Buffer.compare(copy.chromaWeight, source.chromaWeight)).toBe(0);
    }
  });

  it('packs a region in a small fraction of its area', () => {
    const mask = new FillMask(320, 180);
    const box = mask.decode(maskWith({ x: 100, y: 50, w: 60, h: 60 }, 0, 320, 180))!;
    expect(mask.pack().length).toBeLessThan(((box.x1 - box.x0) * (box.y1 - box.y0)) / 5);
  });

  it('refuses packed data cut short', () => {
    const mask = new FillMask(W, H);
    mask.decode(maskWith({ x: 10, y: 8, w: 6, h: 4 }));
    const packed = mask.pack();
    expect(() => new FillMask(W, H).unpack(packed.subarray(0, packed.length - 2))).toThrow(/ends early/);
  });

  it('weighs each pixel by its chessboard distance to the mask, as a distance transform of the box does, and gives the region’s runs by row', () => {
    // The reference: the chessboard distance of every pixel of the box by brute force, then the ramp.
    const reference = (gray: Uint8Array, width: number, height: number, grow: number, feather: number): Uint8Array => {
      const out = new Uint8Array(width * height);
      const marked: number[] = [];
      for (let i = 0; i < gray.length; i++) if (gray[i]! < FILL_BELOW) marked.push(i);
      const steps = feather + 1;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let d = Infinity;
          for (const m of marked) d = Math.min(d, Math.max(Math.abs((m % width) - x), Math.abs(Math.floor(m / width) - y)));
          out[y * width + x] = d > grow ? 0 : d === 0 || grow + 1 - d >= steps ? 255 : Math.round((255 * (grow + 1 - d)) / steps);
        }
      }
      return out;
    };
    let state = 7;
    const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const width = 37;
    const height = 23;
    for (const [grow, feather] of [[0, 0], [1, 1], [3, 2], [5, 3], [2, 0], [4, 4]] as const) {
      const mask = new FillMask(width, height, { grow, feather });
      for (let trial = 0; trial < 12; trial++) {
        // Blobs, some at the frame's edge, some touching, with noise: ragged runs, several to a row.
        const gray = new Uint8Array(width * height).fill(255);
        for (let b = 0; b < 1 + (trial % 4); b++) {
          const cx = Math.floor(random() * width);
          const cy = Math.floor(random() * height);
          const r = 1 + random() * 6;
          for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) gray[y * width + x] = random() < 0.9 ? 0 : 230;
        }
        for (let i = 0; i < trial; i++) gray[Math.floor(random() * gray.length)] = 100;
        const box = mask.decode(gray)!;
        const label = `grow ${grow}, feather ${feather}, trial ${trial}`;
        expect(Array.from(mask.weight), label).toEqual(Array.from(reference(gray, width, height, grow, feather)));
        // Its runs by row are the runs of weights above 0, which the mosaic skips by.
        const runs: number[][] = [];
        for (let y = box.y0; y < box.y1; y++) {
          for (let x = box.x0; x < box.x1; ) {
            if (!mask.weight[y * width + x]) {
              x++;
              continue;
            }
            const from = x;
            while (x < box.x1 && mask.weight[y * width + x]) x++;
            runs.push([y, from, x]);
          }
        }
        const spans: number[][] = [];
        for (let y = box.y0; y < box.y1; y++) {
          const { at, starts } = mask.spans!;
          for (let i = starts[y - box.y0]!; i < starts[y - box.y0 + 1]!; i++) spans.push([y, at[2 * i]!, at[2 * i + 1]!]);
        }
        expect(spans, label).toEqual(runs);
      }
    }
  });
});
