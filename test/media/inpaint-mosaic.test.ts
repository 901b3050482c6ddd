import { describe, expect, it } from 'vitest';
import { composeFill } from '../../src/media/inpaint/compose.js';
import { FillMask } from '../../src/media/inpaint/fill-mask.js';
import { yuvPlanes } from '../../src/media/inpaint/frame.js';
import { MADE, Mosaic, SEEN, UNKNOWN } from '../../src/media/inpaint/mosaic.js';
import { IDENTITY, translation } from '../../src/media/inpaint/similarity.js';

const W = 24;
const H = 8;

/** A flat yuv420p frame of luma `level`; chroma 128. */
function frame(level: number, width = W, height = H): Uint8Array {
  const out = new Uint8Array(width * height * 1.5).fill(128);
  out.fill(level, 0, width * height);
  return out;
}

/** A mask marking columns [x0, x1) of every row. */
function columns(x0: number, x1: number): Uint8Array {
  const gray = new Uint8Array(W * H).fill(255);
  for (let y = 0; y < H; y++) gray.fill(0, y * W + x0, y * W + x1);
  return gray;
}

/** Runs both passes of the removal over in-memory frames with a still camera. */
function remove(levels: number[], masks: Uint8Array[]): Uint8Array[] {
  const fill = new FillMask(W, H, { grow: 0, feather: 0 });
  const mosaic = new Mosaic(W, H);
  const frames = levels.map((level) => frame(level));
  frames.forEach((f, i) => {
    fill.decode(masks[i]!);
    mosaic.recordFirst(yuvPlanes(f, W, H), IDENTITY, fill, i);
  });
  return frames.map((f, i) => {
    const out = Uint8Array.from(f);
    fill.decode(masks[i]!);
    composeFill(yuvPlanes(out, W, H), fill, mosaic, IDENTITY);
    mosaic.recordLast(yuvPlanes(f, W, H), IDENTITY, fill, i);
    return out;
  });
}

describe('background mosaic', () => {
  it('fills from the nearest frame that shows the place: the latest earlier one, else the earliest later one', () => {
    // The picture brightens each frame, so the filled value tells which frame it came from.
    const levels = [10, 30, 50, 70, 90, 110];
    const a = columns(4, 8);
    const b = columns(14, 18);
    const out = remove(levels, [a, a, a, b, b, b]);
    // Frames 0–2 hide A, first shown by frame 3; frames 3–5 hide B, last shown by frame 2.
    expect(out.map((f) => f[2 * W + 5])).toEqual([70, 70, 70, 70, 90, 110]);
    expect(out.map((f) => f[2 * W + 15])).toEqual([10, 30, 50, 50, 50, 50]);
    // Outside the regions every frame is untouched.
    expect(out.map((f) => f[2 * W + 0])).toEqual(levels);
  });

  it('places frames of a moving camera by their offsets and grows to cover them', () => {
    const mosaic = new Mosaic(W, H);
    const fill = new FillMask(W, H, { grow: 0, feather: 0 });
    fill.decode(new Uint8Array(W * H).fill(255));
    // Frame k shows global column g at local column g − 3k; luma = 100 + global column.
    const shot = (k: number) => {
      const f = frame(0);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f[y * W + x] = 100 + x + 3 * k;
      return f;
    };
    for (let k = 0; k < 4; k++) mosaic.recordFirst(yuvPlanes(shot(k), W, H), translation(3 * k, -1), fill, k);
    expect(mosaic.x0).toBe(0);
    // The origin is a multiple of the mosaic's 32 px tiles.
    expect(mosaic.y0).toBe(-32);
    expect(mosaic.width).toBeGreaterThanOrEqual(W + 9);
    const row = (1 - mosaic.y0) * mosaic.width;
    for (let g = 0; g < W + 9; g++) {
      expect(mosaic.luma.state[row + g]).toBe(SEEN);
      expect(mosaic.luma.values[0]![row + g]).toBe(100 + g);
    }
    expect(mosaic.luma.state[row + W + 9]).toBe(UNKNOWN);
  });

  it('marks where fills will read, and leaves never-seen places unknown for the spatial fill', () => {
    const mosaic = new Mosaic(W, H);
    const fill = new FillMask(W, H, { grow: 0, feather: 0 });
    fill.decode(columns(4, 8));
    mosaic.recordFirst(yuvPlanes(frame(60), W, H), IDENTITY, fill, 0);
    expect(mosaic.neededBox).toEqual({ x0: 4, y0: 0, x1: 8, y1: H });
    const mw = mosaic.luma.width;
    expect(mosaic.luma.needed[3 * mw + 5]).toBe(1);
    expect(mosaic.luma.state[3 * mw + 5]).toBe(UNKNOWN);
    expect(mosaic.chroma.needed[1 * mosaic.chroma.width + 2]).toBe(1);
    expect([SEEN, MADE]).not.toContain(mosaic.luma.state[3 * mw + 5]);
  });

  it('records the same from a fill region’s runs as from its weights', () => {
    // Textured frames panning by whole pixels over a ragged object: the mosaic grows, tiles fill unevenly.
    const width = 96;
    const height = 64;
    let state = 11;
    const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const record = (byRuns: boolean) => {
      const mosaic = new Mosaic(width, height);
      const decoded = new FillMask(width, height, { grow: 3, feather: 2 });
      const unpacked = new FillMask(width, height, { grow: 3, feather: 2 });
      state = 11;
      for (let k = 0; k < 6; k++) {
        const f = Uint8Array.from({ length: width * height * 1.5 }, () => Math.floor(random() * 256));
        const gray = new Uint8Array(width * height).fill(255);
        for (let y = 10 + k; y < 40 + k; y++) for (let x = 20 + 3 * k; x < 50 + 2 * k; x++) if (random() < 0.95) gray[y * width + x] = 0;
        decoded.decode(gray);
        // Unpacked weights come without runs: the mosaic reads the weights then.
        unpacked.unpack(decoded.pack());
        expect(decoded.spans).toBeDefined();
        expect(unpacked.spans).toBeUndefined();
        mosaic.recordFirst(yuvPlanes(f, width, height), translation(2 * k, -k), byRuns ? decoded : unpacked, k);
      }
      return mosaic;
    };
    const [runs, weights] = [record(true), record(false)];
    for (const key of ['luma', 'chroma'] as const) {
      expect(Buffer.from(runs[key].state).equals(Buffer.from(weights[key].state)), key).toBe(true);
      expect(Buffer.from(runs[key].needed).equals(Buffer.from(weights[key].needed)), key).toBe(true);
      for (const [i, values] of runs[key].values.entries()) expect(Buffer.from(values).equals(Buffer.from(weights[key].values[i]!)), key).toBe(true);
    }
  });
});
