import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressParser, runFfmpeg } from '../../src/media/ffmpeg.js';
import { MediaError, type FfmpegProgress } from '../../src/media/types.js';
import { makeClip, makeTmpDir, probeFile, removeDir } from '../support/media.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTmpDir();
});
afterAll(() => removeDir(dir));

describe('ProgressParser', () => {
  it('reads blocks split anywhere, with out_time_ms in microseconds', () => {
    const seen: FfmpegProgress[] = [];
    const parser = new ProgressParser((p) => seen.push(p), 2);
    const text = 'frame=5\nout_time_ms=500000\nout_time=00:00:00.500000\nprogress=continue\nframe=20\nout_time_us=2000000\nout_time_ms=2000000\nprogress=end\n';
    for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
    expect(seen).toEqual([
      { frame: 5, outTimeSec: 0.5, fraction: 0.25 },
      { frame: 20, outTimeSec: 2, fraction: 1 },
    ]);
  });

  it('treats N/A times as zero and falls back to out_time', () => {
    const seen: FfmpegProgress[] = [];
    const parser = new ProgressParser((p) => seen.push(p));
    parser.push('frame=0\nout_time_ms=N/A\nprogress=continue\nframe=3\nout_time=00:01:02.500000\nprogress=continue\n');
    expect(seen.map((p) => p.outTimeSec)).toEqual([0, 62.5]);
    expect(seen[0]!.fraction).toBeUndefined();
  });
});

describe('runFfmpeg', () => {
  it('runs a command and reports progress up to the whole length', async () => {
    const out = join(dir, 'ok.mp4');
    const seen: FfmpegProgress[] = [];
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=s=64x48:r=10:d=1.5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out], {
      expectedSec: 1.5,
      onProgress: (p) => seen.push(p),
    });
    expect((await probeFile(out)).frames).toBe(15);
    expect(seen.length).toBeGreaterThan(0);
    const last = seen.at(-1)!;
    expect(last.fraction).toBe(1);
    expect(last.frame).toBe(15);
    // The last block reports the last muxed timestamp, a few frames short with B-frames in flight.
    expect(last.outTimeSec).toBeGreaterThan(1);
  });

  it('folds the last stderr lines and the file name into a MediaError', async () => {
    const missing = join(dir, 'missing.mp4');
    const error = await runFfmpeg(['-i', missing, '-f', 'null', '-'], { file: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toContain(`ffmpeg failed on ${missing}`);
    expect((error as MediaError).message).toMatch(/No such file or directory/);
    expect((error as MediaError).file).toBe(missing);
  });

  it('quotes filter errors without pointer addresses', async () => {
    const input = await makeClip(join(dir, 'in.mp4'));
    const error = (await runFfmpeg(['-i', input, '-vf', 'scale=nonsense_expr:10', '-f', 'null', '-'], { file: input }).catch((e: unknown) => e)) as MediaError;
    expect(error).toBeInstanceOf(MediaError);
    expect(error.message).toMatch(/scale/);
    expect(error.message).not.toMatch(/0x[0-9a-f]{6,}/);
    expect(error.stderr).toBeTruthy();
  });

  it('stops ffmpeg when the signal aborts and rejects with the reason', async () => {
    const out = join(dir, 'long.mp4');
    const controller = new AbortController();
    const reason = new Error('stop now');
    const started = Date.now();
    const run = runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=s=320x240:r=30:d=600', '-c:v', 'libx264', '-preset', 'slow', out], {
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });
    await expect(run).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects at once, without starting ffmpeg, when the signal is already aborted', async () => {
    const reason = new Error('already');
    const out = join(dir, 'never.mp4');
    await expect(runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=d=1', out], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(stat(out)).rejects.toThrow();
  });

  it('says which binary could not be started and how to fix it', async () => {
    const broken = join(dir, 'broken-ffmpeg');
    await writeFile(broken, '#!/nonexistent/interpreter\n');
    await chmod(broken, 0o755);
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = broken;
    try {
      const error = (await runFfmpeg(['-version']).catch((e: unknown) => e)) as MediaError;
      expect(error).toBeInstanceOf(MediaError);
      expect(error.message).toMatch(/could not start .*broken-ffmpeg: ENOENT\. Set FFMPEG_PATH to a working executable/);
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });

  it('kills a process that ignores SIGTERM after the grace period', async () => {
    const stubborn = join(dir, 'stubborn-ffmpeg');
    await writeFile(stubborn, `#!${process.execPath}\nprocess.on('SIGTERM', () => {});\nsetInterval(() => {}, 1000);\nconsole.log('progress=continue');\n`);
    await chmod(stubborn, 0o755);
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = stubborn;
    try {
      const controller = new AbortController();
      const started = Date.now();
      const run = runFfmpeg([], { signal: controller.signal, onProgress: () => controller.abort('timeout') });
      await expect(run).rejects.toBe('timeout');
      const took = Date.now() - started;
      expect(took).toBeGreaterThan(1_500);
      expect(took).toBeLessThan(6_000);
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });
});
