import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media/types.js';
import { trim as model } from '../../src/models/local/trim.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { execContext, frameIndices, isFastStart, makeClip, makeNumberedClip, makePng, makeTmpDir, makeWorkDir, probeFile, removeDir } from '../support/media.js';

let dir: string;
let workDir: string;
let numbered: string;

beforeAll(async () => {
  dir = await makeTmpDir();
  // 20 frames at 10 fps (2 s); frame i is grey 16 + 8i.
  numbered = await makeNumberedClip(join(dir, 'numbered.mp4'), { fps: 10, frames: 20 });
});
afterAll(() => removeDir(dir));
beforeEach(async () => {
  workDir = await makeWorkDir(dir);
});

async function trim(params: Record<string, unknown>) {
  const test = execContext(workDir, model.params.parse(params));
  const result = await localExecutors['local/trim']!.run(test.ctx);
  return { ...test, result, video: result.outputs.video! };
}

describe('local/trim', () => {
  it('cuts from start to end on exact frames, as a fast-start H.264 MP4 in the work folder', async () => {
    const { video, progress } = await trim({ video: numbered, start: 0.5, end: 1.5 });
    expect(video).toBe(join(workDir, 'video.mp4'));
    const info = await probeFile(video);
    expect(info).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 64, height: 48, fps: 10, frames: 10 });
    expect(info.duration).toBeCloseTo(1, 2);
    expect(await frameIndices(video)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(await isFastStart(video)).toBe(true);
    expect(progress.at(-1)).toEqual({ state: 'running', fraction: 1 });
  });

  it('keeps start plus duration', async () => {
    const { video } = await trim({ video: numbered, start: 1, duration: 0.3 });
    expect(await frameIndices(video)).toEqual([10, 11, 12]);
  });

  it('keeps the last N seconds', async () => {
    const { video } = await trim({ video: numbered, last: 0.5 });
    expect(await frameIndices(video)).toEqual([15, 16, 17, 18, 19]);
  });

  it('keeps the audio of a video that has some, cut the same way', async () => {
    const withAudio = await makeClip(join(dir, 'audio.mp4'), { duration: 2, audio: true });
    const { video } = await trim({ video: withAudio, start: 0.5, duration: 1 });
    const info = await probeFile(video);
    expect(info.hasAudio).toBe(true);
    expect(info.frames).toBe(10);
  });

  it.each([
    [{ end: 3 }, /cannot end at 3 s: .*numbered\.mp4 is 2\.000 s long/],
    [{ start: 2.5 }, /cannot start the cut at 2\.5 s: .*numbered\.mp4 is 2\.000 s long/],
    [{ start: 1.5, duration: 1 }, /cannot keep 1 s from 1\.5 s \(until 2\.5 s\): .*2\.000 s long/],
    [{ last: 3 }, /cannot keep the last 3 s: .*2\.000 s long/],
    [{ start: 0.51, end: 0.58 }, /holds no frame/],
  ])('refuses a cut outside the video (%j) with its real duration', async (cut, message) => {
    const error = await trim({ video: numbered, ...cut }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toMatch(message);
  });

  it('called as a library, without the check the CLI makes before each step, refuses an image in the shared words', async () => {
    const photo = await makePng(join(dir, 'photo.png'), { width: 64, height: 48 });
    const error = await trim({ video: photo, duration: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toBe(`${photo} is an image (PNG, 64×48), not a video: give a video file (MP4, MOV, WebM …)`);
  });

  it('accepts an end a hair past a rounded duration', async () => {
    const { video } = await trim({ video: numbered, start: 1.8, end: 2.04 });
    expect(await frameIndices(video)).toEqual([18, 19]);
  });
});
