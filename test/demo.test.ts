import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './support/cli.js';
import { decode, makeTmpDir, probeFile, removeDir, type Decoded } from './support/media.js';

const DEMO = 'recipes/remove-outpaint-extend.yaml';


interface RunJson {
  status: string;
  cost_usd: number;
  outputs: Record<string, string>;
  steps: Record<string, { status: string; backend: string; outputs: Record<string, string> }>;
}

let dir: string;
beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-demo-');
});
afterAll(() => removeDir(dir));

/** Mean absolute difference of two rgb24 frames over columns [x, x + w) of `a` against [bx, bx + w) of `b`. */
function diff(a: Decoded, ai: number, x: number, b: Decoded, bi: number, bx: number, w: number): number {
  let sum = 0;
  for (let y = 0; y < a.height; y++) {
    for (let i = 0; i < w * 3; i++) sum += Math.abs(a.frames[ai]![(y * a.width + x) * 3 + i]! - b.frames[bi]![(y * b.width + bx) * 3 + i]!);
  }
  return sum / (a.height * w * 3);
}

describe('npm run demo', () => {
  it('runs remove → cut → widen → extend → compare offline on the sample clips', { timeout: 180_000 }, async () => {
    const out = join(dir, 'out');
    const result = runCli(['run', DEMO, '--offline', '--json', '--state-dir', join(dir, 'state'), '--out', out], { cwd: ROOT });
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.status).toBe('succeeded');
    expect(run.cost_usd).toBe(0);
    for (const id of ['remove', 'cut', 'widen', 'extend', 'compare']) expect(run.steps[id], id).toMatchObject({ status: 'succeeded', backend: 'local' });
    expect(run.outputs).toEqual({ video: join(out, 'video.mp4'), review: join(out, 'review.mp4') });

    // The 320x180 sample at 24 fps, cut to 3 s, widened by half on each side and extended to 5 s at 30 fps,
    // the hosted functions' output rate.
    const widened = await probeFile(run.steps.widen!.outputs.video!);
    expect(widened).toMatchObject({ width: 480, height: 180, fps: 30, frames: 90 });
    expect(await probeFile(run.outputs.video!)).toMatchObject({ width: 480, height: 180, fps: 30, frames: 150 });
    // Before (320 wide) and after (480 wide) side by side, as long as the longer one.
    const review = await probeFile(run.outputs.review!);
    expect(review).toMatchObject({ width: 800, height: 180 });
    expect(review.duration).toBeCloseTo(5, 1);

    // The extension opens with the widened clip; the widened clip holds the cleaned picture in its middle.
    const wide = await decode(run.steps.widen!.outputs.video!, 'rgb24');
    const removed = await decode(run.steps.remove!.outputs.video!, 'rgb24');
    const extended = await decode(run.outputs.video!, 'rgb24');
    for (const i of [0, 45, 89]) {
      expect(diff(extended, i, 0, wide, i, 0, 480)).toBeLessThan(4);
      // Frame i at 30 fps shows the 24 fps frame nearest its time.
      expect(diff(wide, i, 80, removed, Math.round((i * 24) / 30), 0, 320)).toBeLessThan(4);
    }
    // And the review shows the untouched source on the left.
    const source = await decode(join(ROOT, 'recipes/assets/breakfast.mp4'), 'rgb24');
    const shown = await decode(run.outputs.review!, 'rgb24');
    // The review runs at the longer clip's 30 fps: its frame 10 shows the source frame nearest 1/3 s.
    expect(diff(shown, 10, 0, source, Math.round((10 * 24) / 30), 0, 320)).toBeLessThan(6);
  });
});
