import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../src/media/binaries.js';
import { posterSize, previewInfo, stripIndices, writeAnimation } from '../../src/media/preview.js';
import { makeClip, makeTmpDir, probeFile, removeDir } from '../support/media.js';

let dir: string;
let clip: string;
const saved = process.env.FFMPEG_PATH;

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-preview-');
  clip = await makeClip(join(dir, 'clip.mp4'), { width: 96, height: 64, fps: 10, duration: 2 });
});
afterEach(() => {
  if (saved === undefined) delete process.env.FFMPEG_PATH;
  else process.env.FFMPEG_PATH = saved;
});
afterAll(() => removeDir(dir));

describe('report previews', () => {
  it('poster sizes: at least 640 on the long side, at most 1280, a very wide picture at least 240 high', () => {
    expect(posterSize(320, 180)).toEqual({ width: 640, height: 360 });
    expect(posterSize(180, 320)).toEqual({ width: 360, height: 640 });
    expect(posterSize(1920, 1080)).toEqual({ width: 1280, height: 720 });
    expect(posterSize(800, 180)).toEqual({ width: 1066, height: 240 });
    expect(posterSize(4000, 100)).toEqual({ width: 1920, height: 48 });
  });

  it('strip frames spread from the first to the last, never more than the clip has', () => {
    expect(stripIndices(50)).toEqual([0, 12, 25, 37, 49]);
    expect(stripIndices(3)).toEqual([0, 1, 2]);
    expect(stripIndices(1)).toEqual([0]);
  });

  it('an animated GIF where this ffmpeg has no WebP encoder', async () => {
    // An ffmpeg that refuses libwebp_anim, as builds without libwebp do, and runs everything else.
    const wrapper = join(dir, 'ffmpeg-without-webp');
    writeFileSync(wrapper, `#!/bin/sh\nfor a in "$@"; do [ "$a" = libwebp_anim ] && { echo "Unknown encoder 'libwebp_anim'" >&2; exit 1; }; done\nexec "${ffmpegPath()}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    process.env.FFMPEG_PATH = wrapper;
    const written = await writeAnimation(clip, await previewInfo(clip), join(dir, 'anim'));
    expect(written).toBe(join(dir, 'anim.gif'));
    expect(readFileSync(written!).subarray(0, 6).toString()).toBe('GIF89a');
    const gif = await probeFile(written!);
    expect([gif.width, gif.height]).toEqual([640, 426]);
    expect(gif.frames).toBeGreaterThan(10);
  });
});
