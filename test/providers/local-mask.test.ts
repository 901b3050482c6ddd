import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media/types.js';
import { mask as model } from '../../src/models/local/mask.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { type Box, decode, encodeGray, execContext, ffmpeg, makeMovingBoxMask, makeTmpDir, makeWorkDir, probeFile, removeDir } from '../support/media.js';

const W = 96;
const H = 64;
let dir: string;
let maskFile: string;
let boxes: Box[];

beforeAll(async () => {
  dir = await makeTmpDir();
  maskFile = join(dir, 'box.mp4');
  boxes = await makeMovingBoxMask(maskFile, { width: W, height: H, fps: 12, frames: 6, size: 12, x0: 20, y: 26, step: 6 });
});
afterAll(() => removeDir(dir));

async function convert(params: Record<string, unknown>, file = maskFile) {
  const test = execContext(await makeWorkDir(dir), model.params.parse({ mask: file, ...params }));
  const result = await localExecutors['local/mask']!.run(test.ctx);
  const video = result.outputs.video!;
  return { ...test, video, info: await probeFile(video), frames: (await decode(video, 'gray')).frames };
}

/** Distance from (x, y) to the nearest pixel of the box, squared. */
function distance2(box: Box, x: number, y: number): number {
  const dx = Math.max(box.x - x, 0, x - (box.x + box.size - 1));
  const dy = Math.max(box.y - y, 0, y - (box.y + box.size - 1));
  return dx * dx + dy * dy;
}

/** Checks every pixel of every frame against what the convention says it must be. */
function expectPixels(frames: Buffer[], want: (box: Box, x: number, y: number) => number): void {
  expect(frames).toHaveLength(boxes.length);
  frames.forEach((frame, i) => {
    const wrong: string[] = [];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const expected = want(boxes[i]!, x, y);
        if (frame[y * W + x] !== expected) wrong.push(`(${x},${y}) ${frame[y * W + x]} ≠ ${expected}`);
      }
    }
    expect(wrong.slice(0, 5), `frame ${i}: ${wrong.length} wrong pixels`).toEqual([]);
  });
}

describe('local/mask', () => {
  it('binary (default): the region black, the rest white, same size, rate and frame count', async () => {
    const { info, frames, progress } = await convert({});
    expect(info).toMatchObject({ width: W, height: H, fps: 12, frames: 6, codec: 'h264', pixFmt: 'yuv420p' });
    expectPixels(frames, (box, x, y) => (distance2(box, x, y) === 0 ? 0 : 255));
    expect(progress.at(-1)).toEqual({ state: 'running', fraction: 1 });
  });

  it('vace: the region white, the rest black, grown by a round dilation', async () => {
    const { frames } = await convert({ to: 'vace', dilate: 4 });
    expectPixels(frames, (box, x, y) => (distance2(box, x, y) <= 16 ? 255 : 0));
  });

  it('quadmask: the region 0, the dilation ring 127, the rest 255', async () => {
    const { frames } = await convert({ to: 'quadmask', dilate: 5 });
    expectPixels(frames, (box, x, y) => {
      const d2 = distance2(box, x, y);
      return d2 === 0 ? 0 : d2 <= 25 ? 127 : 255;
    });
  });

  it('invert: the black part is the region (a VOID mask in, a VACE mask out)', async () => {
    const { frames } = await convert({ to: 'vace', invert: true });
    expectPixels(frames, (box, x, y) => (distance2(box, x, y) === 0 ? 0 : 255));
  });

  it('threshold: a grey at or above it is marked, below it is not', async () => {
    const grey = await encodeGray(join(dir, 'grey.mp4'), 32, 16, 10, [Buffer.alloc(32 * 16, 100), Buffer.alloc(32 * 16, 100)]);
    const above = await convert({ to: 'vace', threshold: 95 }, grey);
    expect(above.frames.every((f) => f.every((v) => v === 255))).toBe(true);
    const below = await convert({ to: 'vace', threshold: 105 }, grey);
    expect(below.frames.every((f) => f.every((v) => v === 0))).toBe(true);
    expect(below.info.frames).toBe(2);
  });

  it('refuses an odd-sized mask with the fix', async () => {
    // FFV1 stores odd sizes (as masks from other tools may have them); H.264 in yuv420p cannot.
    const odd = join(dir, 'odd.mkv');
    await ffmpeg(['-f', 'lavfi', '-i', 'nullsrc=s=33x16:r=10:d=0.3,format=gray', '-c:v', 'ffv1', odd]);
    const error = await convert({}, odd).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toMatch(/33x16.*even width and height.*local\/transcode/);
  });

  it('stops and rejects with the reason when aborted', async () => {
    const test = execContext(await makeWorkDir(dir), model.params.parse({ mask: maskFile }));
    const reason = new Error('user pressed Ctrl-C');
    test.ctx.progress = () => test.controller.abort(reason);
    await expect(localExecutors['local/mask']!.run(test.ctx)).rejects.toBe(reason);
  });
});
