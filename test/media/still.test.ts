import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFrame } from '../../src/media/still.js';
import { MediaError } from '../../src/media/types.js';
import { decode, ffmpeg, makeClip, makeNumberedClip, makePng, makeTmpDir, meanOf, probeFile, removeDir } from '../support/media.js';

let dir: string;
let numbered: string;
const level = (i: number): number => 20 + 10 * i;

beforeAll(async () => {
  dir = await makeTmpDir();
  // 23 frames at 10 fps: frame i is grey level(i), so the PNG says which frame was taken.
  numbered = await makeNumberedClip(join(dir, 'numbered.mp4'), { width: 64, height: 48, fps: 10, frames: 23, level });
});
afterAll(() => removeDir(dir));

/** Which frame of `numbered` a PNG shows (levels are 10 apart; colour conversions may move them by 1 or 2). */
async function frameOf(png: string): Promise<number> {
  const { frames, width, height } = await decode(png, 'gray');
  const grey = meanOf(frames[0]!, width, 1, { x: 0, y: 0, w: width, h: height });
  const index = Math.max(0, Math.round((grey - level(0)) / 10));
  expect(Math.abs(grey - level(index))).toBeLessThan(3);
  return index;
}

describe('extractFrame', () => {
  it('takes the first frame', async () => {
    const out = join(dir, 'first.png');
    await extractFrame(numbered, 'first', out);
    expect(await frameOf(out)).toBe(0);
    expect(await probeFile(out)).toMatchObject({ codec: 'png', width: 64, height: 48 });
  });

  it('takes exactly the last frame', async () => {
    const out = join(dir, 'last.png');
    await extractFrame(numbered, 'last', out);
    expect(await frameOf(out)).toBe(22);
  });

  it('takes the last video frame of a file whose audio runs longer', async () => {
    const file = join(dir, 'long-audio.mp4');
    await ffmpeg(['-i', numbered, '-f', 'lavfi', '-i', 'sine=d=4', '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', file]);
    const out = join(dir, 'last-long-audio.png');
    await extractFrame(file, 'last', out);
    expect(await frameOf(out)).toBe(22);
  });

  it('takes the frame shown at a time, and the last one for a time inside the last frame', async () => {
    const cases: [number, number][] = [
      [0, 0],
      [0.5, 5],
      [0.57, 5],
      [1.0, 10],
      [2.25, 22],
      [2.3, 22],
    ];
    for (const [at, frame] of cases) {
      const out = join(dir, `at-${at}.png`);
      await extractFrame(numbered, at, out);
      expect(await frameOf(out), `at ${at} s`).toBe(frame);
    }
  });

  it('refuses a time beyond the end, naming the file and its duration', async () => {
    const error = (await extractFrame(numbered, 5, join(dir, 'beyond.png')).catch((e: unknown) => e)) as MediaError;
    expect(error).toBeInstanceOf(MediaError);
    expect(error.message).toContain(numbered);
    expect(error.message).toContain('2.300 s long');
  });

  it('scales down to maxWidth for thumbnails', async () => {
    const clip = await makeClip(join(dir, 'wide.mp4'), { width: 160, height: 80, duration: 0.5 });
    const out = join(dir, 'thumb.png');
    await extractFrame(clip, 'last', out, { maxWidth: 80 });
    expect(await probeFile(out)).toMatchObject({ width: 80, height: 40 });
  });

  it('converts an image input as its only frame', async () => {
    const png = await makePng(join(dir, 'in.png'), { width: 30, height: 20, color: 'white' });
    const out = join(dir, 'from-image.png');
    await extractFrame(png, 'last', out);
    const { frames } = await decode(out, 'gray');
    expect(frames[0]!.every((v) => v === 255)).toBe(true);
    await expect(extractFrame(png, 1, out)).rejects.toThrow(/still image/);
  });
});
