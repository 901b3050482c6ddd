import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare as model } from '../../src/models/local/compare.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { decode, execContext, makeClip, makeTmpDir, makeWorkDir, probeFile, removeDir, rgbOf } from '../support/media.js';

let dir: string;
let red: string;
let blue: string;
let green: string;

beforeAll(async () => {
  dir = await makeTmpDir();
  [red, blue, green] = await Promise.all([
    makeClip(join(dir, 'red.mp4'), { source: 'color', color: 'red', width: 64, height: 48, fps: 10, duration: 1 }),
    // Square, shorter and at another rate.
    makeClip(join(dir, 'blue.mp4'), { source: 'color', color: 'blue', width: 32, height: 32, fps: 20, duration: 0.5 }),
    makeClip(join(dir, 'green.mp4'), { source: 'color', color: 'lime', width: 64, height: 48, fps: 10, duration: 1 }),
  ]);
});
afterAll(() => removeDir(dir));

async function compare(params: Record<string, unknown>) {
  const test = execContext(await makeWorkDir(dir), model.params.parse(params));
  const result = await localExecutors['local/compare']!.run(test.ctx);
  const video = result.outputs.video!;
  const info = await probeFile(video);
  return { ...test, video, info, frames: (await decode(video, 'rgb24')).frames };
}

type Rgb = [number, number, number];
function expectColour([r, g, b]: Rgb, want: 'red' | 'blue' | 'green' | 'black'): void {
  const hi = (v: number) => v > 180;
  const lo = (v: number) => v < 50;
  const ok = { red: hi(r) && lo(g) && lo(b), blue: lo(r) && lo(g) && hi(b), green: lo(r) && hi(g) && lo(b), black: lo(r) && lo(g) && lo(b) }[want];
  expect(ok, `rgb(${r.toFixed(0)}, ${g.toFixed(0)}, ${b.toFixed(0)}) should be ${want}`).toBe(true);
}

/** Pixels that are near white: drawn text on these flat colours. */
function whitePixels(frame: Buffer, width: number, rect: { x: number; y: number; w: number; h: number }): number {
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      const i = (y * width + x) * 3;
      if (frame[i]! > 200 && frame[i + 1]! > 200 && frame[i + 2]! > 200) n++;
    }
  }
  return n;
}

describe('local/compare', () => {
  it('hstack: common height, the longest length, the fastest rate, a short clip holding its last frame', async () => {
    const { info, frames, progress } = await compare({ videos: [red, blue] });
    // red stays 64x48; blue (square) becomes 48x48.
    expect(info).toMatchObject({ width: 112, height: 48, fps: 20, frames: 20, codec: 'h264' });
    expect(info.duration).toBeCloseTo(1, 2);
    for (const frame of [frames[0]!, frames.at(-1)!]) {
      expectColour(rgbOf(frame, 112, { x: 4, y: 4, w: 56, h: 40 }), 'red');
      expectColour(rgbOf(frame, 112, { x: 68, y: 4, w: 40, h: 40 }), 'blue');
    }
    expect(progress.at(-1)?.fraction).toBe(1);
  });

  it('vstack: common width', async () => {
    const { info, frames } = await compare({ videos: [red, blue], layout: 'vstack' });
    expect(info).toMatchObject({ width: 64, height: 112 });
    expectColour(rgbOf(frames.at(-1)!, 64, { x: 4, y: 4, w: 56, h: 40 }), 'red');
    expectColour(rgbOf(frames.at(-1)!, 64, { x: 4, y: 52, w: 56, h: 56 }), 'blue');
  });

  it('grid: near-square cells of the first size, fitted, the empty cell black', async () => {
    const { info, frames } = await compare({ videos: [red, blue, green], layout: 'grid' });
    expect(info).toMatchObject({ width: 128, height: 96, frames: 20 });
    const last = frames.at(-1)!;
    expectColour(rgbOf(last, 128, { x: 4, y: 4, w: 56, h: 40 }), 'red');
    expectColour(rgbOf(last, 128, { x: 64 + 12, y: 4, w: 40, h: 40 }), 'blue');
    expectColour(rgbOf(last, 128, { x: 64, y: 4, w: 6, h: 40 }), 'black'); // the square's side bar
    expectColour(rgbOf(last, 128, { x: 4, y: 52, w: 56, h: 40 }), 'green');
    expectColour(rgbOf(last, 128, { x: 68, y: 52, w: 56, h: 40 }), 'black');
  });

  it('draws labels, whatever characters they hold', async () => {
    const plain = await compare({ videos: [red, green] });
    expect(whitePixels(plain.frames[0]!, 128, { x: 0, y: 0, w: 128, h: 30 })).toBe(0);
    const labelled = await compare({ videos: [red, green], labels: ["it's: 50% [a,b]; \\n", 'after'] });
    expect(labelled.warnings).toEqual([]);
    const frame = labelled.frames[0]!;
    expect(whitePixels(frame, 128, { x: 0, y: 0, w: 64, h: 30 })).toBeGreaterThan(10);
    expect(whitePixels(frame, 128, { x: 64, y: 0, w: 64, h: 30 })).toBeGreaterThan(10);
    // Below the captions the picture is untouched.
    expectColour(rgbOf(frame, 128, { x: 4, y: 34, w: 56, h: 12 }), 'red');
  });

  it('still produces the video, without labels and with a warning, when no font is available', async () => {
    const conf = join(dir, 'no-fonts.conf');
    await writeFile(conf, `<?xml version="1.0"?>\n<fontconfig><cachedir>${join(dir, 'fc-cache')}</cachedir></fontconfig>\n`);
    const saved = process.env.FONTCONFIG_FILE;
    process.env.FONTCONFIG_FILE = conf;
    try {
      const { info, frames, warnings } = await compare({ videos: [red, green], labels: ['before', 'after'] });
      expect(info).toMatchObject({ width: 128, height: 48 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/labels were not drawn: ffmpeg found no font to draw them with \(.*Cannot find a valid font/);
      expect(whitePixels(frames[0]!, 128, { x: 0, y: 0, w: 128, h: 30 })).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.FONTCONFIG_FILE;
      else process.env.FONTCONFIG_FILE = saved;
    }
  });
});
