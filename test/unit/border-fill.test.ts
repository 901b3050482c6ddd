import { describe, expect, it } from 'vitest';
import { BorderFill, blurWeight, mirror } from '../../src/media/border-fill.js';
import { outpaintGeometry } from '../../src/media/outpaint-geometry.js';

const geometry = outpaintGeometry({ width: 40, height: 30 }, { top: 1.4, bottom: 1.4, left: 1.8, right: 1.8 });
const { canvas, content, offset } = geometry;

/** A picture whose red channel is a ramp across and green a ramp down, blue a checker: every pixel differs. */
function picture(shift = 0): Buffer {
  const frame = Buffer.alloc(content.width * content.height * 3);
  for (let y = 0; y < content.height; y++) {
    for (let x = 0; x < content.width; x++) {
      const i = (y * content.width + x) * 3;
      frame[i] = (x * 6 + shift) % 256;
      frame[i + 1] = y * 8;
      frame[i + 2] = ((x >> 2) + (y >> 2)) % 2 ? 220 : 30;
    }
  }
  return frame;
}

const px = (frame: Buffer, width: number, x: number, y: number) => [...frame.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];

describe('mirror', () => {
  it('reflects at both edges repeating the edge pixel, and keeps bouncing past the far edge', () => {
    expect([-3, -2, -1, 0, 1, 4, 5, 6, 9, 10, 12].map((i) => mirror(i, 5))).toEqual([2, 1, 0, 0, 1, 4, 4, 3, 0, 0, 2]);
  });
});

describe('blur weight', () => {
  it('is −1 inside the picture, 0 next to its edge, rising to 1 across the strip', () => {
    expect(blurWeight(geometry, offset.x, offset.y)).toBe(-1);
    const row = offset.y + 5;
    const weights = Array.from({ length: offset.x }, (_, i) => blurWeight(geometry, offset.x - 1 - i, row));
    expect(weights[0]).toBe(0);
    expect(weights.at(-1)).toBe(1);
    for (let i = 1; i < weights.length; i++) expect(weights[i]).toBeGreaterThanOrEqual(weights[i - 1]!);
  });
});

describe('BorderFill', () => {
  it('copies the picture unchanged into its place', () => {
    const fill = new BorderFill(geometry);
    const out = Buffer.alloc(canvas.width * canvas.height * 3);
    const pic = picture();
    fill.fill(pic, out);
    for (let y = 0; y < content.height; y++) {
      const row = out.subarray(((y + offset.y) * canvas.width + offset.x) * 3, ((y + offset.y) * canvas.width + offset.x + content.width) * 3);
      expect(row.equals(pic.subarray(y * content.width * 3, (y + 1) * content.width * 3))).toBe(true);
    }
  });

  it('continues the picture across its edges without a jump', () => {
    const fill = new BorderFill(geometry);
    const out = Buffer.alloc(canvas.width * canvas.height * 3);
    fill.fill(picture(), out);
    for (let y = offset.y; y < offset.y + content.height; y += 3) {
      const inside = px(out, canvas.width, offset.x, y);
      const outside = px(out, canvas.width, offset.x - 1, y);
      for (let c = 0; c < 3; c++) expect(Math.abs(inside[c]! - outside[c]!)).toBeLessThanOrEqual(6);
    }
    for (let x = offset.x; x < offset.x + content.width; x += 3) {
      const inside = px(out, canvas.width, x, offset.y + content.height - 1);
      const outside = px(out, canvas.width, x, offset.y + content.height);
      for (let c = 0; c < 3; c++) expect(Math.abs(inside[c]! - outside[c]!)).toBeLessThanOrEqual(6);
    }
  });

  it('blurs the far border: the checker in blue fades to a mid grey at the outer edge', () => {
    const fill = new BorderFill(geometry);
    const out = Buffer.alloc(canvas.width * canvas.height * 3);
    fill.fill(picture(), out);
    const blues = Array.from({ length: canvas.height }, (_, y) => px(out, canvas.width, 0, y)[2]!);
    expect(Math.max(...blues) - Math.min(...blues)).toBeLessThan(60);
    const nearBlues = Array.from({ length: content.height }, (_, y) => px(out, canvas.width, offset.x - 1, offset.y + y)[2]!);
    expect(Math.max(...nearBlues) - Math.min(...nearBlues)).toBeGreaterThan(150);
  });

  it('paints a flat picture flat, and follows a changed picture gradually far from it', () => {
    const fill = new BorderFill(geometry);
    const out = Buffer.alloc(canvas.width * canvas.height * 3);
    const flat = (v: number) => Buffer.alloc(content.width * content.height * 3, v);
    fill.fill(flat(100), out);
    expect(Math.min(...out)).toBe(100);
    expect(Math.max(...out)).toBe(100);
    // The picture jumps to 200: the seam follows at once, the outer corner only part of the way.
    fill.fill(flat(200), out);
    expect(px(out, canvas.width, offset.x - 1, offset.y)[0]).toBeGreaterThan(190);
    const corner = px(out, canvas.width, 0, 0)[0]!;
    expect(corner).toBeGreaterThan(110);
    expect(corner).toBeLessThan(180);
    for (let i = 0; i < 40; i++) fill.fill(flat(200), out);
    expect(px(out, canvas.width, 0, 0)[0]).toBeGreaterThanOrEqual(199);
  });
});
