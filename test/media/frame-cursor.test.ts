import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameCursor } from '../../src/media/frame-cursor.js';
import { makeNumberedClip, makeTmpDir, removeDir } from '../support/media.js';

let dir: string;
let clip: string;
const level = (i: number) => 16 + 20 * i;

beforeAll(async () => {
  dir = await makeTmpDir();
  clip = await makeNumberedClip(join(dir, 'numbered.mp4'), { width: 32, height: 16, frames: 8, level });
});
afterAll(() => removeDir(dir));

describe('FrameCursor', () => {
  it('gives the frames asked for, skipping the others, and nothing past the end', async () => {
    const cursor = new FrameCursor(clip, { pixFmt: 'gray' });
    try {
      for (const index of [2, 3, 6]) {
        const frame = await cursor.at(index);
        expect(frame?.length).toBe(32 * 16);
        expect(Math.abs(frame![5]! - level(index)), `frame ${index}`).toBeLessThanOrEqual(1);
      }
      await expect(cursor.at(4)).rejects.toThrow(/frame 4 .* after frame 6/);
      expect(await cursor.at(9)).toBeUndefined();
    } finally {
      await cursor.close();
    }
  });

  it('starts no decoder until asked', async () => {
    const cursor = new FrameCursor(join(dir, 'missing.mp4'), { pixFmt: 'gray', width: 8, height: 8 });
    await cursor.close();
    await expect(cursor.at(0)).rejects.toThrow('missing.mp4');
  });
});
