import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath, ffmpegVersion, ffprobePath } from '../../src/media/binaries.js';
import { MediaError } from '../../src/media/types.js';
import { makeTmpDir, removeDir } from '../support/media.js';

const saved = { FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH, PATH: process.env.PATH };
let dir: string;

async function fakeTool(name: string, versionLine: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `#!/bin/sh\necho "${versionLine}"\necho "second line"\n`);
  await chmod(file, 0o755);
  return file;
}

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-bin-');
});
afterAll(() => removeDir(dir));
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('ffmpeg and ffprobe resolution', () => {
  it('falls back to the binaries of the npm installer packages when neither env nor PATH has one', () => {
    delete process.env.FFMPEG_PATH;
    delete process.env.FFPROBE_PATH;
    process.env.PATH = join(dir, 'empty-path-dir');
    expect(ffmpegPath()).toMatch(/@ffmpeg-installer[\\/][^\\/]+[\\/]ffmpeg(\.exe)?$/);
    expect(ffprobePath()).toMatch(/@ffprobe-installer[\\/][^\\/]+[\\/]ffprobe(\.exe)?$/);
  });

  it('prefers FFMPEG_PATH and FFPROBE_PATH, and reads the version from the chosen binary', async () => {
    process.env.FFMPEG_PATH = await fakeTool('my-ffmpeg', 'ffmpeg version 9.9-fake Copyright');
    process.env.FFPROBE_PATH = await fakeTool('my-ffprobe', 'ffprobe version 9.9-fake');
    expect(ffmpegPath()).toBe(process.env.FFMPEG_PATH);
    expect(ffprobePath()).toBe(process.env.FFPROBE_PATH);
    await expect(ffmpegVersion()).resolves.toBe('ffmpeg version 9.9-fake Copyright');
  });

  it('takes an executable named ffmpeg on PATH before the packaged one', async () => {
    delete process.env.FFMPEG_PATH;
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    await fakeTool('bin/ffmpeg', 'ffmpeg version on-path');
    // A non-executable file of the right name earlier on PATH is skipped.
    const notExecutable = join(dir, 'noexec');
    await mkdir(notExecutable, { recursive: true });
    await writeFile(join(notExecutable, 'ffmpeg'), 'not a program');
    process.env.PATH = [notExecutable, bin].join(process.platform === 'win32' ? ';' : ':');
    expect(ffmpegPath()).toBe(join(bin, 'ffmpeg'));
    await expect(ffmpegVersion()).resolves.toBe('ffmpeg version on-path');
  });

  it('rejects an FFMPEG_PATH that is not an executable file, saying how to fix it', () => {
    process.env.FFMPEG_PATH = join(dir, 'nope', 'ffmpeg');
    expect(() => ffmpegPath()).toThrow(MediaError);
    expect(() => ffmpegPath()).toThrow(/FFMPEG_PATH is set to .*nope.*not an executable file/);
  });

  it('reports the real version line of the default ffmpeg', async () => {
    delete process.env.FFMPEG_PATH;
    await expect(ffmpegVersion()).resolves.toMatch(/^ffmpeg version \S+/);
  });
});
