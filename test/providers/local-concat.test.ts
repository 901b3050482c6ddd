import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat as model } from '../../src/models/local/concat.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { decode, execContext, frameIndices, makeClip, makeNumberedClip, makeTmpDir, makeWorkDir, probeFile, removeDir, rgbOf } from '../support/media.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTmpDir();
});
afterAll(() => removeDir(dir));

async function concat(videos: string[]) {
  const test = execContext(await makeWorkDir(dir), model.params.parse({ videos }));
  const result = await localExecutors['local/concat']!.run(test.ctx);
  return { ...test, video: result.outputs.video! };
}

describe('local/concat', () => {
  it('joins clips of the same shape in order, every frame once', async () => {
    const a = await makeNumberedClip(join(dir, 'a.mp4'), { fps: 10, frames: 4 });
    const b = await makeNumberedClip(join(dir, 'b.mp4'), { fps: 10, frames: 6, level: (i) => 16 + 8 * (i + 4) });
    const c = await makeNumberedClip(join(dir, 'c.mp4'), { fps: 10, frames: 3, level: (i) => 16 + 8 * (i + 10) });
    const { video, progress } = await concat([a, b, c]);
    const info = await probeFile(video);
    expect(info).toMatchObject({ width: 64, height: 48, fps: 10, frames: 13, codec: 'h264', hasAudio: false });
    expect(info.duration).toBeCloseTo(1.3, 2);
    expect(await frameIndices(video)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(progress.at(-1)?.fraction).toBe(1);
  });

  it("re-encodes inputs of another size and rate to the first one's, fitted with bars", async () => {
    const red = await makeClip(join(dir, 'red.mp4'), { source: 'color', color: 'red', width: 64, height: 48, fps: 10, duration: 1 });
    // A square blue clip at 20 fps: scaled to 48x48 and padded 8 px left and right.
    const blue = await makeClip(join(dir, 'blue.mp4'), { source: 'color', color: 'blue', width: 96, height: 96, fps: 20, duration: 0.5 });
    const { video } = await concat([red, blue]);
    const info = await probeFile(video);
    expect(info).toMatchObject({ width: 64, height: 48, fps: 10, frames: 15 });
    expect(info.duration).toBeCloseTo(1.5, 2);

    const { frames } = await decode(video, 'rgb24');
    const first = rgbOf(frames[0]!, 64, { x: 4, y: 4, w: 56, h: 40 });
    expect(first[0]).toBeGreaterThan(200);
    expect(first[2]).toBeLessThan(40);
    const last = frames.at(-1)!;
    const middle = rgbOf(last, 64, { x: 12, y: 4, w: 40, h: 40 });
    expect(middle[2]).toBeGreaterThan(200);
    expect(middle[0]).toBeLessThan(40);
    for (const bar of [rgbOf(last, 64, { x: 0, y: 4, w: 6, h: 40 }), rgbOf(last, 64, { x: 58, y: 4, w: 6, h: 40 })]) {
      expect(Math.max(...bar)).toBeLessThan(30);
    }
  });

  it('keeps audio when some inputs have it, with silence for the others, and the summed length', async () => {
    const voiced = await makeClip(join(dir, 'voiced.mp4'), { duration: 1, audio: true });
    const silent = await makeClip(join(dir, 'silent.mp4'), { duration: 0.6 });
    const { video } = await concat([silent, voiced]);
    const info = await probeFile(video);
    expect(info.hasAudio).toBe(true);
    expect(info.frames).toBe(16);
    expect(info.duration).toBeCloseTo(1.6, 1);
    // The silent clip's stretch of silence keeps the voiced clip's sound under its picture.
    expect(info.audioDuration).toBeCloseTo(1.6, 1);
  });
});
