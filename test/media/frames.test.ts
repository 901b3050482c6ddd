import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameBytes, openFrameWriter, readFrames } from '../../src/media/frames.js';
import { MediaError } from '../../src/media/types.js';
import { probe } from '../../src/media/probe.js';
import { decode, ffmpeg, makeClip, makeTmpDir, probeFile, removeDir, rgbOf } from '../support/media.js';

let dir: string;
let clip: string;
beforeAll(async () => {
  dir = await makeTmpDir();
  // 98x74 rgb24 = 21756 bytes a frame: pipe chunks (64 KiB) end in the middle of frames.
  clip = await makeClip(join(dir, 'odd.mp4'), { width: 98, height: 74, fps: 10, duration: 2 });
});
afterAll(() => removeDir(dir));

async function collect(frames: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const frame of frames) all.push(frame);
  return all;
}

describe('readFrames', () => {
  it.each(['socket', 'pipe'] as const)('yields every frame whole, byte for byte what ffmpeg decodes, across chunk boundaries (over a %s)', async (transport) => {
    expect(65536 % frameBytes(98, 74, 'rgb24')).not.toBe(0);
    const sockets = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`vidrecipe-${process.pid}-`));
    const frames = await collect(readFrames(clip, { pixFmt: 'rgb24', transport }));
    // The socket's path is removed once the two ends are connected.
    expect(sockets()).toEqual([]);
    const expected = await decode(clip, 'rgb24');
    expect(frames).toHaveLength(20);
    expect(expected.frames).toHaveLength(20);
    frames.forEach((frame, i) => {
      expect(frame.length).toBe(98 * 74 * 3);
      expect(frame.equals(expected.frames[i]!)).toBe(true);
    });
    // Frames are distinct buffers the caller may keep.
    expect(frames[0]!.buffer === frames[1]!.buffer && frames[0]!.byteOffset === frames[1]!.byteOffset).toBe(false);
  });

  it('scales and resamples on request', async () => {
    const frames = await collect(readFrames(clip, { pixFmt: 'gray', width: 48, fps: 5 }));
    // 48 wide keeps the aspect ratio: 74·48/98 ≈ 36.
    expect(frames.every((f) => f.length === 48 * 36)).toBe(true);
    expect(frames).toHaveLength(10);
  });

  it('stops ffmpeg when the consumer breaks out early', async () => {
    const long = await makeClip(join(dir, 'long.mp4'), { width: 160, height: 120, fps: 25, duration: 20 });
    const started = Date.now();
    let seen = 0;
    for await (const frame of readFrames(long, { pixFmt: 'rgba' })) {
      expect(frame.length).toBe(160 * 120 * 4);
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects with the signal reason when aborted mid-stream', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    let seen = 0;
    const run = (async () => {
      for await (const _ of readFrames(clip, { pixFmt: 'gray', signal: controller.signal })) {
        if (++seen === 2) controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(seen).toBe(2);
  });

  it('fails with a MediaError naming an unreadable file', async () => {
    const missing = join(dir, 'missing.mp4');
    await expect(collect(readFrames(missing, { pixFmt: 'gray', width: 10, height: 10 }))).rejects.toThrow(MediaError);
    await expect(collect(readFrames(missing, { pixFmt: 'gray', width: 10, height: 10 }))).rejects.toThrow(missing);
  });
});

describe('openFrameWriter', () => {
  const width = 64;
  const height = 16;
  // Row y of every frame holds the levels a mask uses; the last rows a full ramp.
  const levels = [0, 63, 127, 128, 255];
  function frame(t: number): Buffer {
    const buffer = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        buffer[y * width + x] = y < 8 ? levels[(Math.floor(x / 16) + y + t) % levels.length]! : (x * 4 + y + t) % 256;
      }
    }
    return buffer;
  }

  it('round-trips mask grey levels exactly with lossless encoding (others within ±1)', async () => {
    const out = join(dir, 'lossless.mp4');
    const writer = openFrameWriter(out, { width, height, fps: 12, pixFmt: 'gray', lossless: true });
    // The same buffer is refilled for every frame: write() must be done with it when it resolves.
    const reused = Buffer.alloc(width * height);
    for (let t = 0; t < 9; t++) {
      frame(t).copy(reused);
      await writer.write(reused);
    }
    await writer.end();
    expect(writer.frames).toBe(9);

    const info = await probeFile(out);
    expect(info).toMatchObject({ width, height, fps: 12, frames: 9, codec: 'h264', pixFmt: 'yuv420p' });
    const decoded = await decode(out, 'gray');
    for (let t = 0; t < 9; t++) {
      const want = frame(t);
      const got = decoded.frames[t]!;
      for (let i = 0; i < want.length; i++) {
        if (i < 8 * width) expect(got[i], `frame ${t} pixel ${i}`).toBe(want[i]);
        else expect(Math.abs(got[i]! - want[i]!), `frame ${t} pixel ${i}`).toBeLessThanOrEqual(1);
      }
    }
    // And our own reader agrees with the independent decode.
    const read = await collect(readFrames(out, { pixFmt: 'gray' }));
    expect(read.map((f) => f.toString('hex'))).toEqual(decoded.frames.map((f) => f.toString('hex')));
  });

  it('encodes rgb frames at the given rate, honouring backpressure', async () => {
    const out = join(dir, 'rgb.mp4');
    const writer = openFrameWriter(out, { width: 160, height: 120, fps: 25, pixFmt: 'rgb24' });
    const red = Buffer.alloc(160 * 120 * 3);
    for (let i = 0; i < red.length; i += 3) red[i] = 220;
    for (let t = 0; t < 50; t++) await writer.write(red);
    await writer.end();
    const info = await probeFile(out);
    expect(info).toMatchObject({ width: 160, height: 120, fps: 25, frames: 50 });
    expect(info.duration).toBeCloseTo(2, 1);
    const decoded = await decode(out, 'rgb24');
    const [r, g, b] = rgbOf(decoded.frames[49]!, 160, { x: 40, y: 30, w: 80, h: 60 });
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(20);
    expect(b).toBeLessThan(20);
  });

  it('carries the audio of another file: copied when an MP4 can hold it, else encoded to AAC', async () => {
    const mov = join(dir, 'pcm.mov');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=s=64x48:r=10:d=1', '-f', 'lavfi', '-i', 'sine=d=1', '-c:v', 'libx264', '-c:a', 'pcm_s16le', '-shortest', mov]);
    const withAac = await makeClip(join(dir, 'aac.mp4'), { width: 64, height: 48, fps: 10, duration: 1, audio: true });
    for (const [source, codec] of [[mov, 'aac'], [withAac, 'aac']] as const) {
      const out = join(dir, `carried-${codec}-${source.endsWith('.mov') ? 'mov' : 'mp4'}.mp4`);
      const writer = openFrameWriter(out, { width: 64, height: 48, fps: 10, pixFmt: 'gray', audioFrom: { file: source, audioCodec: (await probe(source)).audioCodec } });
      for (let t = 0; t < 10; t++) await writer.write(Buffer.alloc(64 * 48, 128));
      await writer.end();
      expect(await probe(out)).toMatchObject({ frames: 10, hasAudio: true, audioCodec: codec });
    }
  });

  it('refuses frames of the wrong size and odd dimensions', async () => {
    expect(() => openFrameWriter(join(dir, 'odd.mp4'), { width: 63, height: 16, fps: 10, pixFmt: 'gray' })).toThrow(/even width and height/);
    const out = join(dir, 'wrong.mp4');
    const writer = openFrameWriter(out, { width, height, fps: 10, pixFmt: 'gray' });
    await expect(writer.write(Buffer.alloc(10))).rejects.toThrow(/has 1024 bytes, got 10/);
    writer.abort();
  });

  it('reports ffmpeg failing (an unwritable output) as a MediaError naming the file', async () => {
    const out = join(dir, 'no-such-dir', 'x.mp4');
    const writer = openFrameWriter(out, { width, height, fps: 10, pixFmt: 'gray' });
    const error = await (async () => {
      for (let t = 0; t < 200; t++) await writer.write(frame(t));
      await writer.end();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toContain(out);
  });

  it('aborts on the signal and removes the partial file', async () => {
    const out = join(dir, 'aborted.mp4');
    const controller = new AbortController();
    const writer = openFrameWriter(out, { width, height, fps: 10, pixFmt: 'gray', signal: controller.signal });
    await writer.write(frame(0));
    controller.abort(new Error('enough'));
    await expect(writer.write(frame(1))).rejects.toThrow('enough');
    await expect(writer.end()).rejects.toThrow('enough');
    await new Promise((r) => setTimeout(r, 200));
    await expect(stat(out)).rejects.toThrow();
  });
});
