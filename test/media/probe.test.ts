import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/probe.js';
import { MediaError } from '../../src/media/types.js';
import { ffmpeg, makeClip, makePng, makeTmpDir, removeDir } from '../support/media.js';
import { readFrames, frameBytes } from '../../src/media/frames.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTmpDir();
});
afterAll(() => removeDir(dir));

describe('probe', () => {
  it('describes an MP4: size, rate, duration, frames, codec, audio', async () => {
    const file = await makeClip(join(dir, 'a.mp4'), { width: 96, height: 64, fps: 20, duration: 1.5, audio: true });
    const info = await probe(file);
    expect(info).toMatchObject({ file, kind: 'video', codec: 'h264', width: 96, height: 64, fps: 20, frames: 30, pixFmt: 'yuv420p', hasAudio: true });
    expect(info.duration).toBeCloseTo(1.5, 2);
    expect(info.format).toContain('mp4');
    expect(info.sizeBytes).toBeGreaterThan(0);
  });

  it('reports a phone video turned a quarter as it decodes, upright, and the frames agree', async () => {
    const stored = await makeClip(join(dir, 'stored.mp4'), { width: 96, height: 64, fps: 10, duration: 0.5 });
    const turned = join(dir, 'turned.mp4');
    await ffmpeg(['-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', turned]);
    const info = await probe(turned);
    expect(info).toMatchObject({ width: 64, height: 96 });
    for await (const frame of readFrames(turned, { pixFmt: 'gray' })) expect(frame.length).toBe(frameBytes(64, 96, 'gray'));
  });

  it('names the audio codec, so a writer knows whether an MP4 can carry it as it is', async () => {
    const file = join(dir, 'pcm.mov');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=s=64x48:r=10:d=0.5', '-f', 'lavfi', '-i', 'sine=d=0.5', '-c:v', 'libx264', '-c:a', 'pcm_s16le', '-shortest', file]);
    expect(await probe(file)).toMatchObject({ hasAudio: true, audioCodec: 'pcm_s16le' });
  });

  it('counts the frames of a container without a frame index (WebM)', async () => {
    const file = await makeClip(join(dir, 'b.webm'), { width: 64, height: 48, fps: 10, duration: 1.2 });
    const info = await probe(file);
    expect(info).toMatchObject({ kind: 'video', codec: 'vp8', frames: 12, fps: 10, hasAudio: false });
  });

  it('calls a PNG an image with one frame', async () => {
    const file = await makePng(join(dir, 'c.png'), { width: 40, height: 30 });
    expect(await probe(file)).toMatchObject({ kind: 'image', codec: 'png', width: 40, height: 30, frames: 1, fps: 0, duration: 0 });
  });

  it('rejects a file that is not media, naming it', async () => {
    const file = join(dir, 'garbage.mp4');
    await writeFile(file, 'this is not a video at all\n'.repeat(50));
    const error = (await probe(file).catch((e: unknown) => e)) as MediaError;
    expect(error).toBeInstanceOf(MediaError);
    expect(error.message).toContain(`${file} is not a readable video or image`);
    expect(error.file).toBe(file);
  });

  it('rejects a missing file the same way', async () => {
    const file = join(dir, 'missing.mp4');
    await expect(probe(file)).rejects.toThrow(`${file} is not a readable video or image: the file does not exist`);
  });
});
