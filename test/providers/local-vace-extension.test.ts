import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoExtension as model } from '../../src/models/dashscope/video-extension.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { PermanentError } from '../../src/providers/types.js';
import { runCli } from '../support/cli.js';
import { decode, execContext, ffmpeg, makeClip, makeNumberedClip, makePng, makeTmpDir, makeWorkDir, meanOf, probeFile, removeDir, type Decoded } from '../support/media.js';

const ID = 'alibaba/wan2.1-vace-plus/video_extension';

let dir: string;
let rising: string;
let falling: string;
let still: string;
beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-extend-');
  // Flat grey frames whose level says which frame they are: 16 frames at 30 fps rising by 8, 12 falling by 6
  // (levels come back within ±2 after the RGB round trip and the re-encode, well under half a step).
  rising = await makeNumberedClip(join(dir, 'rising.mp4'), { width: 64, height: 48, fps: 30, frames: 16 });
  falling = await makeNumberedClip(join(dir, 'falling.mp4'), { width: 64, height: 48, fps: 30, frames: 12, level: (i) => 230 - 6 * i });
  // A picture with detail (zooming a flat one would show nothing).
  still = join(dir, 'still.png');
  await ffmpeg(['-f', 'lavfi', '-i', 'smptebars=s=96x64', '-frames:v', '1', still]);
}, 60_000);
afterAll(() => removeDir(dir));

async function extend(params: Record<string, unknown>) {
  const test = execContext(await makeWorkDir(dir), model.params.parse({ prompt: 'what happens next', ...params }));
  const result = await localExecutors[ID]!.run(test.ctx);
  const video = result.outputs.video!;
  return { ...test, video, info: await probeFile(video), decoded: await decode(video, 'gray') };
}

const grey = (video: Decoded, i: number) => meanOf(video.frames[i]!, video.width, 1, { x: 0, y: 0, w: video.width, h: video.height });

/** Mean absolute difference of two gray frames. */
function change(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** The largest change between consecutive frames from `from` to `to`. */
function largestStep(video: Decoded, from = 0, to = video.frames.length - 1): number {
  let max = 0;
  for (let i = from + 1; i <= to; i++) max = Math.max(max, change(video.frames[i]!, video.frames[i - 1]!));
  return max;
}

describe('offline video_extension', () => {
  it('from a first clip: the clip, then a ping-pong of it, 5 s in all at 30 fps like the hosted output, without a cut', async () => {
    const { info, decoded, progress } = await extend({ first_clip_url: rising });
    expect(info).toMatchObject({ codec: 'h264', width: 64, height: 48, fps: 30, frames: 150 });
    expect(info.duration).toBeCloseTo(5, 2);
    expect(progress.at(-1)?.fraction).toBe(1);
    for (let i = 0; i < 16; i++) expect(Math.abs(grey(decoded, i) - (16 + 8 * i))).toBeLessThan(3);
    // Never a larger step than the clip's own (8 levels a frame), and it goes back over the clip.
    expect(largestStep(decoded)).toBeLessThan(9.5);
    const after = Array.from({ length: 64 }, (_, i) => grey(decoded, 16 + i));
    expect(Math.min(...after)).toBeLessThan(30);
    expect(Math.max(...after)).toBeLessThan(140);
  });

  it('from a last clip: a lead-in, then the clip as the last frames', async () => {
    const { info, decoded } = await extend({ last_clip_url: falling });
    expect(info).toMatchObject({ fps: 30, frames: 150 });
    for (let i = 0; i < 12; i++) expect(Math.abs(grey(decoded, 138 + i) - (230 - 6 * i))).toBeLessThan(3);
    expect(largestStep(decoded)).toBeLessThan(7.5);
  });

  it('from both clips: starts with the first, ends with the last, crossfades between them without a cut', async () => {
    const { info, decoded } = await extend({ first_clip_url: rising, last_clip_url: falling });
    expect(info).toMatchObject({ fps: 30, frames: 150 });
    for (let i = 0; i < 16; i++) expect(Math.abs(grey(decoded, i) - (16 + 8 * i))).toBeLessThan(3);
    for (let i = 0; i < 12; i++) expect(Math.abs(grey(decoded, 138 + i) - (230 - 6 * i))).toBeLessThan(3);
    // The joins (15→16, 137→138) and the crossfade move no more than the clips themselves do.
    expect(largestStep(decoded)).toBeLessThan(9.5);
  });

  it('from a first frame: a slow push-in over 5 s at 30 fps that starts on the frame itself', async () => {
    const { info, decoded } = await extend({ first_frame_url: still });
    expect(info).toMatchObject({ width: 96, height: 64, fps: 30, frames: 150 });
    const original = await decode(still, 'gray');
    expect(change(decoded.frames[0]!, original.frames[0]!)).toBeLessThan(3);
    // It moves: the last frame is a magnified picture, but no two neighbouring frames jump.
    expect(change(decoded.frames[149]!, original.frames[0]!)).toBeGreaterThan(8);
    expect(largestStep(decoded)).toBeLessThan(3);
  });

  it('from a first and a last frame: from the one to the other', async () => {
    const dark = await makePng(join(dir, 'dark.png'), { width: 96, height: 64, color: 'gray' });
    const { info, decoded } = await extend({ first_frame_url: still, last_frame_url: dark });
    expect(info).toMatchObject({ width: 96, height: 64, fps: 30, frames: 150 });
    const first = (await decode(still, 'gray')).frames[0]!;
    const last = (await decode(dark, 'gray')).frames[0]!;
    expect(change(decoded.frames[0]!, first)).toBeLessThan(3);
    expect(change(decoded.frames[149]!, last)).toBeLessThan(3);
    expect(largestStep(decoded)).toBeLessThan(5);
  });

  it('from a first clip and a last frame, the frame taking the clip’s size', async () => {
    const { info, decoded } = await extend({ first_clip_url: rising, last_frame_url: still });
    expect(info).toMatchObject({ width: 64, height: 48, fps: 30, frames: 150 });
    for (let i = 0; i < 16; i++) expect(Math.abs(grey(decoded, i) - (16 + 8 * i))).toBeLessThan(3);
    // The 96x64 still, scaled to cover 64x48 (72x48) and cropped at its centre, is the last frame.
    const cropped = join(dir, 'cropped.png');
    await ffmpeg(['-i', still, '-vf', 'scale=72:48,crop=64:48', cropped]);
    expect(change(decoded.frames[149]!, (await decode(cropped, 'gray')).frames[0]!)).toBeLessThan(4);
  });

  it('continues a clip too short to play back and forth as a still, without flashing', async () => {
    const two = await makeNumberedClip(join(dir, 'two-frames.mp4'), { width: 64, height: 48, fps: 30, frames: 2, level: (i) => 40 + 100 * i });
    const { info, decoded, warnings } = await extend({ first_clip_url: two });
    expect(info).toMatchObject({ fps: 30, frames: 150 });
    expect(warnings.join('\n')).toMatch(/too short to continue as a clip/);
    expect(largestStep(decoded)).toBeLessThan(3);
  });

  it('lays a transparent still over black instead of showing the colour hidden under it', async () => {
    const clear = join(dir, 'clear.png');
    await ffmpeg(['-f', 'lavfi', '-i', 'color=c=red@0.0:s=64x48,format=rgba', '-frames:v', '1', clear]);
    const { decoded, warnings } = await extend({ last_frame_url: clear });
    expect(grey(decoded, 149)).toBeLessThan(3);
    expect(warnings.join('\n')).toMatch(/transparency/);
  });

  it('keeps the output within 720P', async () => {
    const big = join(dir, 'big.png');
    await ffmpeg(['-f', 'lavfi', '-i', 'smptebars=s=1600x200', '-frames:v', '1', big]);
    const { info } = await extend({ last_frame_url: big });
    expect(info).toMatchObject({ width: 1280, height: 160, fps: 30, frames: 150 });
  });

  it('refuses a clip longer than 3 s, saying how to cut it', async () => {
    const long = await makeClip(join(dir, 'long.mp4'), { width: 32, height: 24, fps: 16, duration: 3.5, source: 'color' });
    const error = await extend({ first_clip_url: long }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(String(error)).toMatch(/first_clip_url .*long\.mp4 is 3\.50 s long.*at most 3 s.*local\/trim/);
    const two = await makeClip(join(dir, 'two.mp4'), { width: 64, height: 48, fps: 16, duration: 2, source: 'color' });
    await expect(extend({ first_clip_url: two, last_clip_url: two })).rejects.toThrow(/4\.00 s long together.*at most 3 s/);
  });

  it('chains outpainting → extension through the CLI with --offline', async () => {
    const work = await makeWorkDir(dir);
    await makeClip(join(work, 'clip.mp4'), { width: 64, height: 48, fps: 30, duration: 1.5 });
    writeFileSync(
      join(work, 'recipe.yaml'),
      [
        'version: 1',
        'name: widen-and-extend',
        'inputs:',
        '  video: { type: video, default: clip.mp4 }',
        'steps:',
        '  widen:',
        '    uses: alibaba/wan2.1-vace-plus/video_outpainting',
        '    with: { video_url: "${{ inputs.video }}", prompt: a wider room, left_scale: 1.5, right_scale: 1.5 }',
        '  extend:',
        '    uses: alibaba/wan2.1-vace-plus/video_extension',
        '    with: { first_clip_url: "${{ steps.widen.outputs.video }}", prompt: the room stays quiet }',
        'outputs:',
        '  video: ${{ steps.extend.outputs.video }}',
        '  wide: ${{ steps.widen.outputs.video }}',
        '',
      ].join('\n'),
    );
    const result = runCli(['run', 'recipe.yaml', '--offline', '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as { steps: Record<string, { backend: string; status: string }>; outputs: Record<string, string> };
    expect(run.steps.widen).toMatchObject({ backend: 'local', status: 'succeeded' });
    expect(run.steps.extend).toMatchObject({ backend: 'local', status: 'succeeded' });
    expect(await probeFile(run.outputs.video!)).toMatchObject({ width: 96, height: 48, fps: 30, frames: 150 });
    const wide = await decode(run.outputs.wide!, 'rgb24');
    const extended = await decode(run.outputs.video!, 'rgb24');
    // The extension opens with the widened clip's 45 frames.
    for (const i of [0, 22, 44]) {
      let sum = 0;
      for (let b = 0; b < wide.frames[i]!.length; b++) sum += Math.abs(wide.frames[i]![b]! - extended.frames[i]![b]!);
      expect(sum / wide.frames[i]!.length).toBeLessThan(4);
    }
  });
});
