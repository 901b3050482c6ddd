import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeObject } from '../../src/media/remove-object.js';
import { decode, ffmpeg, makeTmpDir, removeDir } from '../support/media.js';

const W = 128;
const H = 72;
const FPS = 12;
const FRAMES = 20;
const OBJECT = 24;
const SCENE = "geq=lum='128+50*sin(X/9)*cos(Y/11)+30*sin((X+2*Y)/29)':cb='128+20*sin(X/40)':cr='128+20*cos(Y/30)'";
const FRAME_BYTES = W * H * 1.5;

let dir: string;

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-remove-object-');
}, 30_000);
afterAll(() => removeDir(dir));

/** A still shot with a dark square at x(n), and its exact VOID mask. */
async function scene(name: string, x: string): Promise<{ video: string; mask: string }> {
  const video = join(dir, `${name}.mp4`);
  const mask = join(dir, `${name}-mask.mp4`);
  const frames = ['-frames:v', String(FRAMES)];
  await ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${W}x${H}:r=${FPS},format=yuv444p,${SCENE}`, '-f', 'lavfi', '-i', `color=c=0x6b2a1a:s=${OBJECT}x${OBJECT}:r=${FPS}`, '-filter_complex', `[0][1]overlay=x='${x}':y=24:eval=frame,format=yuv420p`, ...frames, '-c:v', 'libx264', '-crf', '16', video]);
  await ffmpeg(['-f', 'lavfi', '-i', `color=c=white:s=${W}x${H}:r=${FPS}`, '-f', 'lavfi', '-i', `color=c=black:s=${OBJECT}x${OBJECT}:r=${FPS}`, '-filter_complex', `[0][1]overlay=x='${x}':y=24:eval=frame,format=gray,format=yuv420p`, ...frames, '-c:v', 'libx264', '-qp', '0', mask]);
  return { video, mask };
}

async function removed(clip: { video: string; mask: string }, name: string, handoffMemory?: number) {
  const output = join(dir, `${name}.mp4`);
  const stats = await removeObject({ ...clip, output, width: W, height: H, fps: FPS, ...(handoffMemory === undefined ? {} : { handoffMemory }) });
  return { stats, frames: (await decode(output, 'gray')).frames };
}

describe('removeObject', () => {
  // The second pass normally gets its frames from the first; with too small a queue it decodes the files
  // again, from the start (budget 0) or from wherever the queue overflowed. The picture must not depend on it.
  it('writes the same frames whether the first pass hands them over or the second decodes them again', async () => {
    for (const [name, x] of [['crossing', '4+n*5'], ['stuck', '52']] as const) {
      const clip = await scene(name, x);
      const handed = await removed(clip, `${name}-handed`);
      expect(handed.frames).toHaveLength(FRAMES);
      expect(handed.stats).toMatchObject({ frames: FRAMES, framesWithMask: FRAMES, panX: 0, panY: 0 });
      // Crossing: every place is uncovered by some frame; stuck: the middle of the object never is.
      if (name === 'crossing') expect(handed.stats.neverSeenPixels).toBe(0);
      else expect(handed.stats.neverSeenPixels).toBeGreaterThan(0);
      for (const budget of [0, 3 * FRAME_BYTES]) {
        const again = await removed(clip, `${name}-${budget}`, budget);
        expect(again.stats).toEqual(handed.stats);
        expect(again.frames.every((f, i) => f.equals(handed.frames[i]!)), `${name}, budget ${budget}`).toBe(true);
      }
    }
  }, 60_000);

  it('fails with the mask’s error and stops the other pass when the mask runs out', async () => {
    const clip = await scene('short', '4+n*5');
    const short = join(dir, 'short-mask-cut.mp4');
    await ffmpeg(['-i', clip.mask, '-frames:v', String(FRAMES - 5), '-c:v', 'libx264', '-qp', '0', short]);
    await expect(removeObject({ video: clip.video, mask: short, output: join(dir, 'short-out.mp4'), width: W, height: H, fps: FPS })).rejects.toThrow(/short-mask-cut\.mp4 has fewer frames than .*short\.mp4/);
  }, 30_000);
});
