import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';
import { decode, probeFile, type Decoded } from './support/media.js';

// The committed samples are what the README's demo shows: a real scene with a camera move, an object
// crossing it, and its exact mask. These checks fail if they are swapped for a still or a soft mask.

const asset = (name: string) => join(ROOT, 'recipes', 'assets', name);

/** The shift (dx, dy) that best maps frame `a`'s centre onto frame `b`, by the mean absolute difference of gray pixels. */
function bestShift(v: Decoded, a: number, b: number, box: { x: number; y: number; w: number; h: number }): { dx: number; dy: number } {
  let best = { dx: 0, dy: 0, cost: Infinity };
  for (let dy = -20; dy <= 20; dy++) {
    for (let dx = -60; dx <= 60; dx++) {
      let cost = 0;
      for (let y = box.y; y < box.y + box.h; y += 2) {
        for (let x = box.x; x < box.x + box.w; x += 2) cost += Math.abs(v.frames[a]![y * v.width + x]! - v.frames[b]![(y - dy) * v.width + (x - dx)]!);
      }
      if (cost < best.cost) best = { dx, dy, cost };
    }
  }
  return best;
}

describe('the sample media', () => {
  it('breakfast.mp4 is 4 s of a panning camera at 24 fps', async () => {
    expect(await probeFile(asset('breakfast.mp4'))).toMatchObject({ width: 320, height: 180, fps: 24, frames: 96, codec: 'h264' });
    const video = await decode(asset('breakfast.mp4'));
    // The top half holds no object: the picture there moves as the camera pans right and down, so by 2 s
    // what was at (x, y) shows at (x - dx, y - dy).
    const { dx, dy } = bestShift(video, 0, 48, { x: 70, y: 25, w: 180, h: 50 });
    expect(dx).toBeGreaterThan(15);
    expect(dy).toBeGreaterThan(3);
  });

  it('breakfast-mask.mp4 is exactly 0 or 255, one object of constant size crossing left to right', async () => {
    const mask = await decode(asset('breakfast-mask.mp4'));
    expect(mask.frames).toHaveLength(96);
    const centres: number[] = [];
    const areas: number[] = [];
    let soft = 0;
    for (const frame of mask.frames) {
      let area = 0;
      let sumX = 0;
      for (let i = 0; i < frame.length; i++) {
        if (frame[i] !== 0 && frame[i] !== 255) soft++;
        if (frame[i] === 0) (area++, (sumX += i % mask.width));
      }
      areas.push(area);
      centres.push(sumX / area);
    }
    expect(soft).toBe(0);
    expect(Math.min(...areas)).toBeGreaterThan(1000);
    expect(Math.max(...areas) - Math.min(...areas)).toBe(0);
    for (let i = 1; i < centres.length; i++) expect(centres[i]!).toBeGreaterThanOrEqual(centres[i - 1]!);
    expect(centres.at(-1)! - centres[0]!).toBeGreaterThan(150);
  });

  it('the object is drawn where the mask says: there the picture changes once it has moved on', async () => {
    const video = await decode(asset('breakfast.mp4'));
    const mask = await decode(asset('breakfast-mask.mp4'));
    // A second later the object is elsewhere: where the mask was, the picture now shows the table.
    let inside = 0;
    let count = 0;
    const frame = 48;
    for (let i = 0; i < mask.frames[frame]!.length; i++) {
      if (mask.frames[frame]![i] !== 0) continue;
      inside += Math.abs(video.frames[frame]![i]! - video.frames[frame + 24]![i]!);
      count++;
    }
    expect(inside / count).toBeGreaterThan(10);
  });

  it('the reference images meet DashScope\'s 360 px minimum', async () => {
    expect(await probeFile(asset('subject.png'))).toMatchObject({ width: 440, height: 360 });
    expect(await probeFile(asset('background.jpg'))).toMatchObject({ width: 640, height: 360 });
  });

  it('README shows the before/after preview, an animated WebP under 2 MB', async () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/!\[[^\]]+\]\(docs\/demo-preview\.webp\)/);
    const file = join(ROOT, 'docs', 'demo-preview.webp');
    expect(statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    const head = readFileSync(file).subarray(0, 40);
    expect(head.subarray(0, 4).toString()).toBe('RIFF');
    expect(head.subarray(8, 12).toString()).toBe('WEBP');
    // An animated WebP carries an ANIM chunk after its VP8X header.
    expect(readFileSync(file).includes(Buffer.from('ANIM'))).toBe(true);
  });
});
