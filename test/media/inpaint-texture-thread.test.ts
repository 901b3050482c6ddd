import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yuvPlanes } from '../../src/media/inpaint/frame.js';
import { FillMask } from '../../src/media/inpaint/fill-mask.js';
import { Mosaic } from '../../src/media/inpaint/mosaic.js';
import { fillNeverSeen, lumaTextureJob } from '../../src/media/inpaint/never-seen.js';
import { synthesizeTexture } from '../../src/media/inpaint/patch-fill.js';
import { IDENTITY } from '../../src/media/inpaint/similarity.js';
import { applyTexture, runTextureJob, sameJob, textureJob, type TextureJob, type TextureResult } from '../../src/media/inpaint/texture-job.js';
import { decode, ffmpeg, makeTmpDir, removeDir } from '../support/media.js';

// The worker thread runs built code: its entry is a .js file beside the module that starts it, which the
// TypeScript sources do not have (run from them, no thread is opened and the synthesis runs inline). So the
// thread is tested from dist/, which `npm test` builds first.
const dist = (module: string) => import(new URL(`../../dist/media/${module}.js`, import.meta.url).href);

const W = 96;
const H = 72;
const HOLE = { x0: 36, y0: 26, x1: 62, y1: 48 };

/** Waves and grain, with a hole no frame shows. */
function plane(seed: number): { values: Uint8Array; known: Uint8Array; hole: Uint8Array } {
  let state = seed;
  const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const values = new Uint8Array(W * H);
  const known = new Uint8Array(W * H).fill(1);
  const hole = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (x >= HOLE.x0 && x < HOLE.x1 && y >= HOLE.y0 && y < HOLE.y1) {
        known[i] = 0;
        hole[i] = 1;
      } else values[i] = Math.round(128 + 40 * Math.sin(x / 5) * Math.cos(y / 7) + 24 * (random() - 0.5));
    }
  }
  return { values, known, hole };
}

const AREA = { x0: 10, y0: 4, x1: 90, y1: 70 };

describe('texture jobs', () => {
  it('synthesize from a copy of the area exactly what synthesizing in place does', () => {
    const inPlace = plane(5);
    const field = synthesizeTexture(inPlace.values, W, inPlace.known, inPlace.hole, AREA);
    const copied = plane(5);
    const result = runTextureJob(textureJob(copied.values, copied.known, copied.hole, W, AREA))!;
    // The job worked on its copies; the plane changes only once the result is applied.
    expect(Buffer.from(copied.values).equals(Buffer.from(plane(5).values))).toBe(true);
    applyTexture(result, copied.hole, copied.values, copied.known, W, AREA);
    expect(Buffer.from(copied.values).equals(Buffer.from(inPlace.values))).toBe(true);
    expect(Buffer.from(copied.known).equals(Buffer.from(inPlace.known))).toBe(true);
    expect(result.field!.area).toEqual(field!.area);
    expect(Buffer.from(result.field!.source.buffer).equals(Buffer.from(field!.source.buffer))).toBe(true);
  });

  it('are the same job only when the area, values, known and hole maps all are', () => {
    const a = plane(5);
    const job = textureJob(a.values, a.known, a.hole, W, AREA);
    expect(sameJob(job, textureJob(a.values, a.known, a.hole, W, AREA))).toBe(true);
    expect(sameJob(job, textureJob(a.values, a.known, a.hole, W, { ...AREA, x1: 88 }))).toBe(false);
    const changed = Uint8Array.from(a.values);
    changed[5 * W + 20]! ^= 1;
    expect(sameJob(job, textureJob(changed, a.known, a.hole, W, AREA))).toBe(false);
    const seen = Uint8Array.from(a.known);
    const fewer = Uint8Array.from(a.hole);
    seen[HOLE.y0 * W + HOLE.x0] = 1;
    fewer[HOLE.y0 * W + HOLE.x0] = 0;
    expect(sameJob(job, textureJob(a.values, seen, fewer, W, AREA))).toBe(false);
  });

  it('give up, writing nothing, once told to stop', () => {
    const a = plane(5);
    expect(runTextureJob(textureJob(a.values, a.known, a.hole, W, AREA), () => true)).toBeUndefined();
  });
});

describe('TextureThread (built)', () => {
  it('answers a job on its worker thread with the bytes the inline synthesis gives, and a cancelled job with undefined', async () => {
    const { TextureThread } = await dist('inpaint/texture-thread');
    const thread = TextureThread.open();
    expect(thread).toBeDefined();
    try {
      const a = plane(8);
      const job = textureJob(a.values, a.known, a.hole, W, AREA);
      const inline = runTextureJob(textureJob(a.values, a.known, a.hole, W, AREA))!;
      const threaded: TextureResult = await thread.run(job);
      expect(Buffer.from(threaded.values).equals(Buffer.from(inline.values))).toBe(true);
      expect(Buffer.from(threaded.known).equals(Buffer.from(inline.known))).toBe(true);
      expect(Buffer.from(threaded.field!.source.buffer).equals(Buffer.from(inline.field!.source.buffer))).toBe(true);
      // The job posted was copied: the caller's is as it was, to compare with later.
      expect(sameJob(job, textureJob(a.values, a.known, a.hole, W, AREA))).toBe(true);

      const pending = thread.run(job);
      thread.cancel();
      expect(await pending).toBeUndefined();
      // The thread takes further jobs after a cancel.
      expect(await thread.run(job)).toBeDefined();
    } finally {
      thread.release();
    }
  });
});

/** A still shot of a texture with a square on it, still until frame `moveFrom`, moving right from there. */
function shots(count: number, moveFrom: number): { frames: Uint8Array[]; masks: Uint8Array[] } {
  const { values } = plane(3);
  const frames: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const dx = k < moveFrom ? 0 : 2 * (k - moveFrom + 1);
    const frame = new Uint8Array(W * H * 1.5).fill(128);
    const mask = new Uint8Array(W * H).fill(255);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inObject = x >= HOLE.x0 + dx && x < HOLE.x1 + dx && y >= HOLE.y0 && y < HOLE.y1;
        frame[y * W + x] = inObject ? 20 : x >= HOLE.x0 && x < HOLE.x1 && y >= HOLE.y0 && y < HOLE.y1 ? 90 + ((x * 7 + y * 3) % 50) : values[y * W + x]!;
        if (inObject) mask[y * W + x] = 0;
      }
    }
    frames.push(frame);
    masks.push(mask);
  }
  return { frames, masks };
}

describe('TextureSpeculation (built)', () => {
  async function record(count: number, moveFrom: number, stopAt = count) {
    const { TextureThread } = await dist('inpaint/texture-thread');
    const { TextureSpeculation } = await dist('inpaint/texture-speculation');
    const { Mosaic: BuiltMosaic } = await dist('inpaint/mosaic');
    const { FillMask: BuiltFillMask } = await dist('inpaint/fill-mask');
    const thread = TextureThread.open();
    const mosaic = new BuiltMosaic(W, H);
    const speculation = new TextureSpeculation(mosaic, thread);
    const fill = new BuiltFillMask(W, H, { grow: 0, feather: 0 });
    const { frames, masks } = shots(count, moveFrom);
    for (let k = 0; k < stopAt; k++) {
      fill.decode(masks[k]!);
      speculation.afterFrame(mosaic.recordFirst(yuvPlanes(frames[k]!, W, H), IDENTITY, fill, k), true);
    }
    return { thread, mosaic, speculation };
  }

  it('hands over the synthesis started ahead when the mosaic has not changed since, and the mosaic is filled as inline', async () => {
    const { thread, mosaic, speculation } = await record(8, 8);
    try {
      const final: TextureJob = lumaTextureJob(mosaic)!;
      const ahead = await speculation.resultFor(final);
      expect(ahead).toBeDefined();
      const inline = runTextureJob(textureJob(final.values, final.known, final.hole, final.area.x1 - final.area.x0, { x0: 0, y0: 0, x1: final.area.x1 - final.area.x0, y1: final.area.y1 - final.area.y0 }))!;
      expect(Buffer.from(ahead!.values).equals(Buffer.from(inline.values))).toBe(true);
    } finally {
      thread.release();
    }
  });

  it('does not hand over a synthesis whose input changed after it started', async () => {
    // Still for 6 frames (started after the 4th), then the object moves and shows places: the input changed.
    const { thread, mosaic, speculation } = await record(8, 6);
    try {
      expect(await speculation.resultFor(lumaTextureJob(mosaic)!)).toBeUndefined();
    } finally {
      thread.release();
    }
  });
});

describe('TextureSpeculation', () => {
  it('starts ahead once a few frames show nothing new, and waits twice as long after each start it had to stop', async () => {
    const { TextureSpeculation } = await import('../../src/media/inpaint/texture-speculation.js');
    const mosaic = new Mosaic(W, H);
    const fill = new FillMask(W, H, { grow: 0, feather: 0 });
    const { frames, masks } = shots(1, 1);
    fill.decode(masks[0]!);
    mosaic.recordFirst(yuvPlanes(frames[0]!, W, H), IDENTITY, fill, 0);
    const starts: number[] = [];
    let frame = 0;
    const thread = { run: async () => void starts.push(frame), cancel: () => undefined };
    const speculation = new TextureSpeculation(mosaic, thread as never);
    // An object that uncovers a little every 5th frame, for 200 frames: quiet for 4 frames at a time.
    for (frame = 1; frame <= 200; frame++) speculation.afterFrame(frame % 5 === 0 ? 10 : 0, true);
    expect(starts).toEqual([4]);
    // Then still: the next start waits for 8 quiet frames, and for pass 2 to be waiting.
    for (let k = 0; k < 7; k++, frame++) speculation.afterFrame(0, true);
    speculation.afterFrame(0, false);
    expect(starts).toEqual([4]);
    frame++;
    speculation.afterFrame(0, true);
    expect(starts).toEqual([4, 209]);
  });
});

describe('fillNeverSeen with a synthesis made ahead', () => {
  it('fills the mosaic as without it when the result matches, and synthesizes inline when it does not', async () => {
    const build = () => {
      const mosaic = new Mosaic(W, H);
      const fill = new FillMask(W, H, { grow: 0, feather: 0 });
      const { frames, masks } = shots(4, 4);
      for (let k = 0; k < 4; k++) {
        fill.decode(masks[k]!);
        mosaic.recordFirst(yuvPlanes(frames[k]!, W, H), IDENTITY, fill, k);
      }
      return mosaic;
    };
    const inline = build();
    await fillNeverSeen(inline);
    const matching = build();
    const job = lumaTextureJob(matching)!;
    const result = runTextureJob(textureJob(job.values, job.known, job.hole, job.area.x1 - job.area.x0, { x0: 0, y0: 0, x1: job.area.x1 - job.area.x0, y1: job.area.y1 - job.area.y0 }))!;
    await fillNeverSeen(matching, { resultFor: async (final) => (sameJob(final, job) ? { ...result, field: result.field && { area: job.area, source: result.field.source } } : undefined) });
    // A result for other input is never offered: the inline synthesis runs instead.
    const refused = build();
    await fillNeverSeen(refused, { resultFor: async () => undefined });
    for (const mosaic of [matching, refused]) {
      expect(Buffer.from(mosaic.luma.values[0]!).equals(Buffer.from(inline.luma.values[0]!))).toBe(true);
      expect(Buffer.from(mosaic.chroma.values[0]!).equals(Buffer.from(inline.chroma.values[0]!))).toBe(true);
      expect(Buffer.from(mosaic.luma.state).equals(Buffer.from(inline.luma.state))).toBe(true);
    }
  });
});

describe('removeObject (built) with the synthesis ahead on a worker thread', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTmpDir('vidrecipe-texture-thread-');
  }, 30_000);
  afterAll(() => removeDir(dir));

  it('writes the same frames as synthesizing inline after pass 1, whether the object stays or pauses and moves on', async () => {
    const { removeObject } = await dist('remove-object');
    const scene = "geq=lum='128+50*sin(X/9)*cos(Y/11)+30*sin((X+2*Y)/29)':cb='128+20*sin(X/40)':cr='128+20*cos(Y/30)'";
    for (const [name, x] of [['stays', '52'], ['pauses', 'if(lt(n,8),40,40+n-8)']] as const) {
      const video = join(dir, `${name}.mp4`);
      const mask = join(dir, `${name}-mask.mp4`);
      const frames = ['-frames:v', '20'];
      await ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=128x72:r=12,format=yuv444p,${scene}`, '-f', 'lavfi', '-i', 'color=c=0x6b2a1a:s=24x24:r=12', '-filter_complex', `[0][1]overlay=x='${x}':y=24:eval=frame,format=yuv420p`, ...frames, '-c:v', 'libx264', '-crf', '16', video]);
      await ffmpeg(['-f', 'lavfi', '-i', 'color=c=white:s=128x72:r=12', '-f', 'lavfi', '-i', 'color=c=black:s=24x24:r=12', '-filter_complex', `[0][1]overlay=x='${x}':y=24:eval=frame,format=gray,format=yuv420p`, ...frames, '-c:v', 'libx264', '-qp', '0', mask]);
      const outputs: Buffer[][] = [];
      for (const synthesizeAhead of [true, false]) {
        const output = join(dir, `${name}-${synthesizeAhead}.mp4`);
        const stats = await removeObject({ video, mask, output, width: 128, height: 72, fps: 12, lossless: true, synthesizeAhead });
        expect(stats.neverSeenPixels, name).toBeGreaterThan(0);
        outputs.push((await decode(output, 'yuv420p')).frames);
      }
      expect(outputs[0]!.length).toBe(20);
      expect(outputs[0]!.every((f, i) => f.equals(outputs[1]![i]!)), name).toBe(true);
    }
  }, 60_000);
});
