import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcode as model } from '../../src/models/local/transcode.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { decode, execContext, isFastStart, makeClip, makeTmpDir, makeWorkDir, probeFile, removeDir, rgbOf } from '../support/media.js';

let dir: string;
let wide: string;
beforeAll(async () => {
  dir = await makeTmpDir();
  // 128x64 (2:1), red, 1.5 s at 10 fps, WebM: a transcode must turn it into an H.264 MP4.
  wide = await makeClip(join(dir, 'wide.webm'), { source: 'color', color: 'red', width: 128, height: 64, fps: 10, duration: 1.5 });
});
afterAll(() => removeDir(dir));

async function transcode(params: Record<string, unknown>) {
  const test = execContext(await makeWorkDir(dir), model.params.parse({ video: wide, ...params }));
  const result = await localExecutors['local/transcode']!.run(test.ctx);
  const video = result.outputs.video!;
  return { ...test, video, info: await probeFile(video) };
}

describe('local/transcode', () => {
  it('re-encodes to a fast-start H.264 MP4 with nothing else changed', async () => {
    const { video, info, progress } = await transcode({});
    expect(video.endsWith('video.mp4')).toBe(true);
    expect(info).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 128, height: 64, fps: 10, frames: 15 });
    expect(await isFastStart(video)).toBe(true);
    expect(progress.at(-1)?.fraction).toBe(1);
  });

  it('contain: fits inside the box and pads with black', async () => {
    const { video, info } = await transcode({ width: 64, height: 64, fit: 'contain' });
    expect(info).toMatchObject({ width: 64, height: 64 });
    const frame = (await decode(video, 'rgb24')).frames[0]!;
    expect(Math.max(...rgbOf(frame, 64, { x: 0, y: 0, w: 64, h: 14 }))).toBeLessThan(30); // bar above
    expect(rgbOf(frame, 64, { x: 0, y: 20, w: 64, h: 24 })[0]).toBeGreaterThan(200); // picture, 32 high, centred
    expect(Math.max(...rgbOf(frame, 64, { x: 0, y: 50, w: 64, h: 14 }))).toBeLessThan(30); // bar below
  });

  it('cover: fills the box and crops', async () => {
    const { video, info } = await transcode({ width: 64, height: 64, fit: 'cover' });
    expect(info).toMatchObject({ width: 64, height: 64 });
    const frame = (await decode(video, 'rgb24')).frames[0]!;
    expect(rgbOf(frame, 64, { x: 0, y: 0, w: 64, h: 64 })[0]).toBeGreaterThan(200);
  });

  it('stretch: takes the exact size', async () => {
    const { info } = await transcode({ width: 40, height: 60, fit: 'stretch' });
    expect(info).toMatchObject({ width: 40, height: 60 });
  });

  it('keeps the aspect ratio when only one side is given', async () => {
    expect((await transcode({ width: 64 })).info).toMatchObject({ width: 64, height: 32 });
    expect((await transcode({ height: 32 })).info).toMatchObject({ width: 64, height: 32 });
  });

  it('rounds odd sizes down to even, with a warning', async () => {
    const { info, warnings } = await transcode({ width: 63, height: 33, fit: 'stretch' });
    expect(info).toMatchObject({ width: 62, height: 32 });
    expect(warnings.join('\n')).toMatch(/width 63 is odd.*62 px wide/);
    expect(warnings.join('\n')).toMatch(/height 33 is odd.*32 px high/);
  });

  it('changes the frame rate and caps the length', async () => {
    const { info } = await transcode({ fps: 16, max_duration: 1 });
    expect(info).toMatchObject({ fps: 16, frames: 16 });
    expect(info.duration).toBeCloseTo(1, 2);
  });
});
