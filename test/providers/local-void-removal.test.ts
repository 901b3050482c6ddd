import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voidVideoInpaintingMask as model } from '../../src/models/wavespeed/void-video-inpainting-mask.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { neverSeenNote } from '../../src/providers/local/void-removal.js';
import { PermanentError } from '../../src/providers/types.js';
import { runCli } from '../support/cli.js';
import { decode, execContext, ffmpeg, makeTmpDir, makeWorkDir, probeFile, removeDir } from '../support/media.js';

const W = 160;
const H = 96;
const FPS = 12;
const FRAMES = 24;
const OBJECT = 28;
// Structure at several scales, like make-samples' scene: what a removal has to bring back.
const SCENE = "geq=lum='128+50*sin(X/9)*cos(Y/11)+30*sin((X+2*Y)/29)':cb='128+20*sin(X/40)':cr='128+20*cos(Y/30)'";
const removal = localExecutors['wavespeed-ai/void-video-inpainting/mask']!;

let dir: string;
/** A still camera: the object crosses the scene, so every place it covers is shown by some frame. */
let still: { video: string; mask: string; truth: Buffer[] };
/** A panning camera (2 px a frame) following the object, which stays put in the picture. */
let pan: { video: string; mask: string; truth: Buffer[] };

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-removal-');
  const wide = W + 2 * FRAMES;
  const background = join(dir, 'background.png');
  await ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${wide}x${H},format=yuv444p,${SCENE}`, '-frames:v', '1', background]);
  still = await scene('still', background, `crop=${W}:${H}:0:0`, `12+n*5`, '34+6*sin(n/3)');
  pan = await scene('pan', background, `crop=${W}:${H}:'n*2':0`, '66', '34');
}, 60_000);
afterAll(() => removeDir(dir));

/** The clip (object over the cropped background), its exact VOID mask, and the true background of each frame. */
async function scene(name: string, background: string, camera: string, x: string, y: string) {
  const video = join(dir, `${name}.mp4`);
  const mask = join(dir, `${name}-mask.mp4`);
  const truthFile = join(dir, `${name}-truth.mp4`);
  const object = `color=c=0x6b2a1a:s=${OBJECT}x${OBJECT}:r=${FPS},drawbox=x=6:y=6:w=16:h=16:color=0xd9a441:t=fill`;
  const frames = ['-frames:v', String(FRAMES)];
  await ffmpeg(['-loop', '1', '-framerate', String(FPS), '-i', background, '-f', 'lavfi', '-i', object, '-filter_complex', `[0]${camera}[bg];[bg][1]overlay=x='${x}':y='${y}':eval=frame,format=yuv420p`, ...frames, '-c:v', 'libx264', '-crf', '16', video]);
  await ffmpeg([
    '-f', 'lavfi', '-i', `color=c=white:s=${W}x${H}:r=${FPS}`, '-f', 'lavfi', '-i', `color=c=black:s=${OBJECT}x${OBJECT}:r=${FPS}`,
    '-filter_complex', `[0][1]overlay=x='${x}':y='${y}':eval=frame,format=gray,format=yuv420p`, ...frames, '-c:v', 'libx264', '-qp', '0', mask,
  ]);
  await ffmpeg(['-loop', '1', '-framerate', String(FPS), '-i', background, '-vf', `${camera},format=yuv444p`, ...frames, '-c:v', 'libx264rgb', '-qp', '0', truthFile]);
  return { video, mask, truth: (await decode(truthFile, 'gray')).frames };
}

/** PSNR of `frames` against `truth` (gray) over the pixels where `where(frame, pixel)` holds. */
function psnr(frames: Buffer[], truth: Buffer[], where: (f: number, i: number) => boolean): number {
  let sum = 0;
  let n = 0;
  frames.forEach((frame, f) => {
    for (let i = 0; i < frame.length; i++) {
      if (!where(f, i)) continue;
      const d = frame[i]! - truth[f]![i]!;
      sum += d * d;
      n++;
    }
  });
  expect(n).toBeGreaterThan(0);
  return 10 * Math.log10((255 * 255) / (sum / n));
}

/** Pixels within `margin` of the mask's object (chessboard), per frame. */
function near(masks: Buffer[], margin: number): (f: number, i: number) => boolean {
  return (f, i) => {
    const x = i % W;
    const y = Math.floor(i / W);
    for (let yy = Math.max(0, y - margin); yy <= Math.min(H - 1, y + margin); yy++) {
      for (let xx = Math.max(0, x - margin); xx <= Math.min(W - 1, x + margin); xx++) if (masks[f]![yy * W + xx]! < 128) return true;
    }
    return false;
  };
}

async function run(params: Record<string, unknown>) {
  const test = execContext(await makeWorkDir(dir), model.params.parse({ prompt: 'an empty scene', ...params }));
  const result = await removal.run(test.ctx);
  return { ...test, video: result.outputs.video! };
}

async function check(clip: typeof still, minimum: number) {
  const { video, progress } = await run({ video: clip.video, mask_video: clip.mask });
  const info = await probeFile(video);
  expect(info).toMatchObject({ width: W, height: H, fps: FPS, frames: FRAMES, codec: 'h264', pixFmt: 'yuv420p' });
  const out = (await decode(video, 'gray')).frames;
  const input = (await decode(clip.video, 'gray')).frames;
  const masks = (await decode(clip.mask, 'gray')).frames;
  const inside = (f: number, i: number) => masks[f]![i]! < 128;
  const removed = psnr(out, clip.truth, inside);
  // The object itself is nowhere near the background, and neither is a flat fill at the scene's mean grey.
  expect(psnr(input, clip.truth, inside)).toBeLessThan(15);
  expect(psnr(clip.truth.map((t) => Buffer.alloc(t.length, 128)), clip.truth, inside)).toBeLessThan(20);
  expect(removed).toBeGreaterThan(minimum);
  // Away from the object (beyond the grown, feathered margin) the picture is the input's, up to re-encoding.
  const closeBy = near(masks, 4);
  expect(psnr(out, input, (f, i) => !closeBy(f, i))).toBeGreaterThan(40);
  expect(progress.at(-1)).toEqual({ state: 'running', fraction: 1 });
  return removed;
}

describe('local VOID removal', () => {
  it('still camera: the object is replaced by the background other frames show', async () => {
    await check(still, 35);
  });

  it('panning camera: the background is found where the camera has moved it', async () => {
    await check(pan, 35);
  });

  it('copies the audio and warns about the parameters it does not use', async () => {
    const withAudio = join(dir, 'audio.mp4');
    await ffmpeg(['-i', still.video, '-f', 'lavfi', '-i', `sine=f=440:d=${FRAMES / FPS}`, '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', withAudio]);
    const { video, warnings } = await run({ video: withAudio, mask_video: still.mask, num_inference_steps: 40, seed: 7 });
    const info = await probeFile(video);
    expect(info.hasAudio).toBe(true);
    expect(info.audioDuration).toBeCloseTo(FRAMES / FPS, 0);
    expect(warnings).toEqual([expect.stringMatching(/does not use num_inference_steps, seed/)]);
  });

  it('says how much of the removed region no frame showed, where the preview guesses', async () => {
    // The object never moves: what it hides is never seen, and is synthesized.
    const stuck = await scene('stuck', join(dir, 'background.png'), `crop=${W}:${H}:0:0`, '66', '34');
    const { warnings } = await run({ video: stuck.video, mask_video: stuck.mask });
    expect(warnings).toEqual([expect.stringMatching(/^100 % of the background behind the removed object is never visible in any frame; .*synthesized/)]);
    // Where every place is uncovered by some frame, there is nothing to say.
    expect((await run({ video: still.video, mask_video: still.mask })).warnings).toEqual([]);
    expect(neverSeenNote({ neededPixels: 1000, neverSeenPixels: 420 })).toMatch(/^42 % of/);
    expect(neverSeenNote({ neededPixels: 1000, neverSeenPixels: 3 })).toMatch(/^under 1 % of/);
    expect(neverSeenNote({ neededPixels: 1000, neverSeenPixels: 998 })).toMatch(/^over 99 % of/);
  });

  it('refuses a mask of another size or length, naming both and the fix', async () => {
    const small = join(dir, 'small-mask.mp4');
    await ffmpeg(['-i', still.mask, '-vf', 'scale=80:48', '-c:v', 'libx264', '-qp', '0', small]);
    const size = await run({ video: still.video, mask_video: small }).catch((e: unknown) => e);
    expect(size).toBeInstanceOf(PermanentError);
    expect((size as Error).message).toMatch(/80x48 but video .* is 160x96.*local\/transcode/);
    const short = join(dir, 'short-mask.mp4');
    await ffmpeg(['-i', still.mask, '-frames:v', '10', '-c:v', 'libx264', '-qp', '0', short]);
    const length = await run({ video: still.video, mask_video: short }).catch((e: unknown) => e);
    expect(length).toBeInstanceOf(PermanentError);
    expect((length as Error).message).toMatch(/has 10 frames but video .* has 24.*local\/trim/);
  });

  it('runs from a recipe with --offline', async () => {
    const recipe = join(dir, 'remove.yaml');
    await writeFile(
      recipe,
      [
        'version: 1',
        'name: remove-offline',
        'inputs:',
        `  video: { type: video, default: still.mp4 }`,
        `  mask: { type: video, default: still-mask.mp4 }`,
        'steps:',
        '  remove:',
        '    uses: wavespeed-ai/void-video-inpainting/mask',
        '    with:',
        '      video: ${{ inputs.video }}',
        '      mask_video: ${{ inputs.mask }}',
        '      prompt: The empty scene',
        'outputs:',
        '  video: ${{ steps.remove.outputs.video }}',
        '',
      ].join('\n'),
    );
    const result = runCli(['run', recipe, '--offline', '--json', '--out', join(dir, 'out'), '--state-dir', join(dir, 'state')], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { status: string; outputs: { video: string }; steps: { remove: { backend: string; cost_usd: number } } };
    expect(report.steps.remove).toMatchObject({ backend: 'local', cost_usd: 0 });
    const out = (await decode(report.outputs.video, 'gray')).frames;
    expect(out).toHaveLength(FRAMES);
    const masks = (await decode(still.mask, 'gray')).frames;
    expect(psnr(out, still.truth, (f, i) => masks[f]![i]! < 128)).toBeGreaterThan(35);
  });
});
