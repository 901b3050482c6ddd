import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoOutpainting as model } from '../../src/models/dashscope/video-outpainting.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { runCli } from '../support/cli.js';
import { decode, execContext, ffmpeg, makeClip, makeTmpDir, makeWorkDir, probeFile, removeDir, type Decoded } from '../support/media.js';

const ID = 'alibaba/wan2.1-vace-plus/video_outpainting';

let dir: string;
let moving: string;
let still: string;
let panning: string;
beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-outpaint-');
  // testsrc: colour bars with a moving sweep and counter; smptebars: a textured picture that never changes.
  moving = await makeClip(join(dir, 'moving.mp4'), { width: 64, height: 48, fps: 30, duration: 1 });
  still = join(dir, 'still.mp4');
  panning = join(dir, 'panning.mp4');
  // The bars slide left 6 px a frame at 30 fps (the output's rate, so no frame repeats): every pixel changes.
  await ffmpeg(['-f', 'lavfi', '-i', "testsrc=s=256x48:r=30:d=1,crop=64:48:x='n*6':y=0", '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', panning]);
  await ffmpeg(['-f', 'lavfi', '-i', 'smptebars=s=64x48:r=30:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', still]);
}, 60_000);
afterAll(() => removeDir(dir));

async function outpaint(params: Record<string, unknown>) {
  const test = execContext(await makeWorkDir(dir), model.params.parse({ prompt: 'a wider view', ...params }));
  const result = await localExecutors[ID]!.run(test.ctx);
  const video = result.outputs.video!;
  return { ...test, video, info: await probeFile(video) };
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Mean absolute difference of two rgb24 frames over a rectangle (each placed at its own offset). */
function diff(a: Buffer, aWidth: number, aRect: Rect, b: Buffer, bWidth: number, bAt: { x: number; y: number }): number {
  let sum = 0;
  for (let y = 0; y < aRect.h; y++) {
    for (let x = 0; x < aRect.w; x++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(a[((aRect.y + y) * aWidth + aRect.x + x) * 3 + c]! - b[((bAt.y + y) * bWidth + bAt.x + x) * 3 + c]!);
    }
  }
  return sum / (aRect.w * aRect.h * 3);
}

/** Mean of all channels over a rectangle of an rgb24 frame. */
function level(frame: Buffer, width: number, r: Rect): number {
  let sum = 0;
  for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) for (let c = 0; c < 3; c++) sum += frame[(y * width + x) * 3 + c]!;
  return sum / (r.w * r.h * 3);
}

/** Mean difference between consecutive frames over a rectangle. */
function flicker(video: Decoded, r: Rect): number {
  let total = 0;
  for (let i = 1; i < video.frames.length; i++) total += diff(video.frames[i]!, video.width, r, video.frames[i - 1]!, video.width, r);
  return total / (video.frames.length - 1);
}

describe('offline video_outpainting', () => {
  it('widens the canvas by the scales, keeps the picture unchanged in the middle, at 30 fps like the hosted output', async () => {
    const { video, info, progress } = await outpaint({ video_url: moving, left_scale: 1.5, right_scale: 1.5 });
    expect(info).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 96, height: 48, fps: 30, frames: 30 });
    expect(progress.at(-1)?.fraction).toBe(1);
    const input = await decode(moving, 'rgb24');
    const output = await decode(video, 'rgb24');
    for (let i = 0; i < 16; i++) {
      // Same picture at x 16…79, up to the second H.264 encode; one pixel off would be far worse.
      expect(diff(output.frames[i]!, 96, { x: 16, y: 0, w: 64, h: 48 }, input.frames[i]!, 64, { x: 0, y: 0 })).toBeLessThan(4);
      expect(diff(output.frames[i]!, 96, { x: 17, y: 0, w: 63, h: 48 }, input.frames[i]!, 64, { x: 0, y: 0 })).toBeGreaterThan(10);
    }
  });

  it('puts the picture off centre for unequal scales and fills every side', async () => {
    const { video, info } = await outpaint({ video_url: still, top_scale: 1.5, left_scale: 2 });
    // Left strip (2 − 1) × 32 = 32 px, top strip 0.5 × 24 = 12 px.
    expect(info).toMatchObject({ width: 96, height: 60 });
    const input = await decode(still, 'rgb24');
    const output = await decode(video, 'rgb24');
    const frame = output.frames[8]!;
    expect(diff(frame, 96, { x: 32, y: 12, w: 64, h: 48 }, input.frames[8]!, 64, { x: 0, y: 0 })).toBeLessThan(3);
    // smptebars is bright at the top and left: the strips there carry picture, not black.
    expect(level(frame, 96, { x: 0, y: 12, w: 32, h: 48 })).toBeGreaterThan(60);
    expect(level(frame, 96, { x: 32, y: 0, w: 64, h: 12 })).toBeGreaterThan(60);
    expect(level(frame, 96, { x: 0, y: 0, w: 32, h: 12 })).toBeGreaterThan(60);
  });

  it('joins the border to the picture without a seam', async () => {
    const { video } = await outpaint({ video_url: still, left_scale: 1.5, right_scale: 1.5, top_scale: 1.5, bottom_scale: 1.5 });
    const frame = (await decode(video, 'rgb24')).frames[4]!;
    // Canvas 96x72, picture at (16, 12): the columns and rows either side of its edges match.
    const seams = [
      diff(frame, 96, { x: 15, y: 12, w: 1, h: 48 }, frame, 96, { x: 16, y: 12 }),
      diff(frame, 96, { x: 80, y: 12, w: 1, h: 48 }, frame, 96, { x: 79, y: 12 }),
      diff(frame, 96, { x: 16, y: 11, w: 64, h: 1 }, frame, 96, { x: 16, y: 12 }),
      diff(frame, 96, { x: 16, y: 60, w: 64, h: 1 }, frame, 96, { x: 16, y: 59 }),
    ];
    for (const seam of seams) expect(seam).toBeLessThan(6);
  });

  it('keeps the border steady over time: still for a still picture, calmer than the picture for a moving one', async () => {
    const steady = await decode((await outpaint({ video_url: still, left_scale: 1.5, right_scale: 1.5 })).video, 'rgb24');
    expect(flicker(steady, { x: 0, y: 0, w: 16, h: 48 })).toBeLessThan(0.5);
    expect(flicker(steady, { x: 80, y: 0, w: 16, h: 48 })).toBeLessThan(0.5);

    const busy = await decode((await outpaint({ video_url: panning, left_scale: 2, right_scale: 2 })).video, 'rgb24');
    const picture = flicker(busy, { x: 32, y: 0, w: 64, h: 48 });
    const farBorder = flicker(busy, { x: 0, y: 0, w: 16, h: 48 });
    expect(picture).toBeGreaterThan(10);
    expect(farBorder).toBeLessThan(picture / 2);
  });

  it('keeps the output within 720P by scaling the picture down', async () => {
    const wide = await makeClip(join(dir, 'wide.mp4'), { width: 1200, height: 64, fps: 16, duration: 0.25 });
    const { info, warnings } = await outpaint({ video_url: wide, left_scale: 1.5, right_scale: 1.5 });
    // 1800x96 would be wider than 1280: scaled by 1280/1800, the picture is 852x44 and each strip 214 px.
    // 0.25 s at 16 fps comes out at 30 fps: 8 frames.
    expect(info).toMatchObject({ width: 1280, height: 44, fps: 30, frames: 8 });
    expect(warnings.join('\n')).toMatch(/720P.*1200x64 to 852x44/);
  });

  it('cuts input longer than 5 s to its first 5 s, as the hosted function does', async () => {
    const long = await makeClip(join(dir, 'long.mp4'), { width: 32, height: 24, fps: 16, duration: 6, source: 'color', color: 'blue' });
    const { info, warnings } = await outpaint({ video_url: long, left_scale: 1.25 });
    expect(info).toMatchObject({ width: 36, height: 24, fps: 30, frames: 150 });
    expect(warnings.join('\n')).toMatch(/first 5 s/);
  });

  it('runs through the CLI with --offline', async () => {
    const work = await makeWorkDir(dir);
    await makeClip(join(work, 'clip.mp4'), { width: 64, height: 48, fps: 30, duration: 1 });
    writeFileSync(
      join(work, 'recipe.yaml'),
      [
        'version: 1',
        'name: widen',
        'inputs:',
        '  video: { type: video, default: clip.mp4 }',
        'steps:',
        '  widen:',
        '    uses: alibaba/wan2.1-vace-plus/video_outpainting',
        '    with: { video_url: "${{ inputs.video }}", prompt: a wider room, top_scale: 2, bottom_scale: 2 }',
        'outputs:',
        '  video: ${{ steps.widen.outputs.video }}',
        '',
      ].join('\n'),
    );
    const result = runCli(['run', 'recipe.yaml', '--offline', '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as { steps: Record<string, { backend: string; status: string; cost_usd: number }>; outputs: Record<string, string> };
    expect(run.steps.widen).toMatchObject({ backend: 'local', status: 'succeeded', cost_usd: 0 });
    expect(await probeFile(run.outputs.video!)).toMatchObject({ width: 64, height: 96, fps: 30, frames: 30 });
  });
});
