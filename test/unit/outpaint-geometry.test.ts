import { describe, expect, it } from 'vitest';
import { outpaintGeometry, type ExpandScales } from '../../src/media/outpaint-geometry.js';
import { capTo720p, scaleTo720p } from '../../src/media/size-cap.js';

const none: ExpandScales = { top: 1, bottom: 1, left: 1, right: 1 };

describe('720P cap', () => {
  it('keeps a frame within 1280×720 pixels and 1280 on its long side, as the hosted sizes are', () => {
    expect(capTo720p({ width: 1920, height: 1080 })).toEqual({ width: 1280, height: 720 });
    expect(capTo720p({ width: 1080, height: 1920 })).toEqual({ width: 720, height: 1280 });
    // The hosted model's own square and 3:4 / 4:3 sizes are 720P: they are kept.
    expect(capTo720p({ width: 960, height: 960 })).toEqual({ width: 960, height: 960 });
    expect(capTo720p({ width: 832, height: 1088 })).toEqual({ width: 832, height: 1088 });
    expect(capTo720p({ width: 1088, height: 832 })).toEqual({ width: 1088, height: 832 });
    expect(capTo720p({ width: 1920, height: 1920 })).toEqual({ width: 960, height: 960 });
    // A long thin frame is limited by its long side.
    expect(capTo720p({ width: 2560, height: 200 })).toEqual({ width: 1280, height: 100 });
  });

  it('never scales up, and rounds odd sizes down to even', () => {
    expect(scaleTo720p({ width: 320, height: 180 })).toBe(1);
    expect(capTo720p({ width: 321, height: 181 })).toEqual({ width: 320, height: 180 });
  });
});

describe('outpaint geometry', () => {
  it('widens each side by (scale − 1) × half the frame: left_scale 1.5 makes the left half 1.5 times as wide', () => {
    expect(outpaintGeometry({ width: 64, height: 48 }, { ...none, left: 1.5, right: 1.5 })).toEqual({
      content: { width: 64, height: 48 },
      canvas: { width: 96, height: 48 },
      offset: { x: 16, y: 0 },
    });
    expect(outpaintGeometry({ width: 100, height: 60 }, { top: 2, bottom: 2, left: 2, right: 2 })).toEqual({
      content: { width: 100, height: 60 },
      canvas: { width: 200, height: 120 },
      offset: { x: 50, y: 30 },
    });
  });

  it('places the picture off centre when the scales differ', () => {
    const g = outpaintGeometry({ width: 64, height: 48 }, { top: 1.5, bottom: 1, left: 2, right: 1 });
    expect(g).toEqual({ content: { width: 64, height: 48 }, canvas: { width: 96, height: 60 }, offset: { x: 32, y: 12 } });
  });

  it('scales the picture down so the widened canvas fits 720P', () => {
    // 1280x720 doubled upward would be 1280x1080 = 1.5 × the 720P area: every length shrinks by √(2/3) ≈ 0.816.
    expect(outpaintGeometry({ width: 1280, height: 720 }, { ...none, top: 2 })).toEqual({
      content: { width: 1044, height: 586 },
      canvas: { width: 1044, height: 880 },
      offset: { x: 0, y: 294 },
    });
    // Portrait: 720x1280 widened to 1080x1280 is over the area too; the picture stays centred.
    const portrait = outpaintGeometry({ width: 720, height: 1280 }, { ...none, left: 1.5, right: 1.5 });
    expect(portrait.canvas).toEqual({ width: 878, height: 1044 });
    expect(portrait.canvas.width * portrait.canvas.height).toBeLessThanOrEqual(1280 * 720);
    expect(portrait.offset.x).toBe((878 - portrait.content.width) / 2);
  });

  it('always gives even sizes inside 720P, the picture inside the canvas, and equal strips for equal scales', () => {
    const scales = [1, 1.01, 1.25, 1.37, 1.5, 1.99, 2];
    for (const [w, h] of [[64, 48], [65, 49], [320, 180], [1920, 1080], [1080, 1920], [333, 777], [1279, 719]] as const) {
      for (const a of scales) {
        for (const b of scales) {
          const g = outpaintGeometry({ width: w, height: h }, { top: b, bottom: b, left: a, right: a });
          for (const n of [g.canvas.width, g.canvas.height, g.content.width, g.content.height, g.offset.x, g.offset.y]) expect(n % 2).toBe(0);
          expect(scaleTo720p(g.canvas)).toBe(1);
          expect(g.canvas.width - g.content.width - g.offset.x).toBe(g.offset.x);
          expect(g.canvas.height - g.content.height - g.offset.y).toBe(g.offset.y);
          expect(g.content.width).toBeLessThanOrEqual(w);
        }
      }
    }
  });
});
