import { describe, expect, it } from 'vitest';
import { crossfade, extensionTimeline, pingPong, pushIn, PUSH_IN_ZOOM, type AnchorFrame } from '../../src/media/extension-timeline.js';
import { mixFrames, zoomFrame } from '../../src/media/frame-ops.js';

const position = (f: AnchorFrame | undefined): number => {
  if (!f || !('position' in f)) throw new Error('not a clip position');
  return f.position;
};
const zoom = (f: AnchorFrame | undefined): number => {
  if (!f || !('zoom' in f)) throw new Error('not a zoom');
  return f.zoom;
};

describe('extension timeline', () => {
  it('plays an opening clip as is, then ping-pongs over it, never faster than the clip and without a jump', () => {
    const t = extensionTimeline(80, { kind: 'clip', frames: 16 });
    expect(t).toHaveLength(80);
    const p = t.map((f) => position(f.head));
    expect(p.slice(0, 16)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(t.every((f) => f.mix === 0 && f.tail === undefined)).toBe(true);
    for (let k = 1; k < 80; k++) expect(Math.abs(p[k]! - p[k - 1]!)).toBeLessThanOrEqual(1 + 1e-9);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...p)).toBeLessThanOrEqual(15);
    // It turns back from the clip's end and reaches its start again.
    expect(Math.min(...p.slice(16))).toBeLessThan(0.5);
  });

  it('ends with a closing clip, led into by the same motion backwards', () => {
    const t = extensionTimeline(50, undefined, { kind: 'clip', frames: 10 });
    const p = t.map((f) => position(f.tail));
    expect(p.slice(40)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(t.every((f) => f.mix === 1 && f.head === undefined)).toBe(true);
    for (let k = 1; k < 50; k++) expect(Math.abs(p[k]! - p[k - 1]!)).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('pushes into an opening still from its exact frame, and pulls back out to a closing one', () => {
    const head = extensionTimeline(150, { kind: 'still' }).map((f) => zoom(f.head));
    expect(head[0]).toBe(1);
    expect(head.at(-1)).toBeCloseTo(PUSH_IN_ZOOM, 9);
    for (let k = 1; k < head.length; k++) expect(head[k]).toBeGreaterThanOrEqual(head[k - 1]!);
    const tail = extensionTimeline(150, undefined, { kind: 'still' }).map((f) => zoom(f.tail));
    expect(tail.at(-1)).toBe(1);
    expect(tail[0]).toBeCloseTo(PUSH_IN_ZOOM, 9);
  });

  it('with both anchors, starts with the first, ends with the last and crossfades only in between', () => {
    const t = extensionTimeline(80, { kind: 'clip', frames: 16 }, { kind: 'clip', frames: 24 });
    const mix = t.map((f) => f.mix);
    expect(mix.slice(0, 16)).toEqual(Array(16).fill(0));
    expect(mix.slice(56)).toEqual(Array(24).fill(1));
    for (let k = 1; k < 80; k++) expect(mix[k]).toBeGreaterThanOrEqual(mix[k - 1]!);
    expect(t.slice(0, 16).map((f) => position(f.head))).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(t.slice(56).map((f) => position(f.tail))).toEqual(Array.from({ length: 24 }, (_, i) => i));
    // Frames of pure head or pure tail do not compute the other side.
    expect(t[0]!.tail).toBeUndefined();
    expect(t[79]!.head).toBeUndefined();
    const stills = extensionTimeline(30, { kind: 'still' }, { kind: 'still' });
    expect(zoom(stills[0]!.head)).toBe(1);
    expect(stills[0]!.mix).toBe(0);
    expect(zoom(stills[29]!.tail)).toBe(1);
    expect(stills[29]!.mix).toBe(1);
  });

  it('refuses anchors longer than the output, or none at all', () => {
    expect(() => extensionTimeline(20, { kind: 'clip', frames: 12 }, { kind: 'clip', frames: 9 })).toThrow(/more than the 20/);
    expect(() => extensionTimeline(20)).toThrow(/head or a tail/);
  });

  it('shapes: ping-pong rests at its ends, push-in eases, crossfade is a smoothstep', () => {
    expect(pingPong(0, 10)).toBe(0);
    expect(pingPong((9 * Math.PI) / 2, 10)).toBeCloseTo(9, 9);
    expect(pingPong(5, 1)).toBe(0);
    expect(pushIn(0)).toBe(1);
    expect(pushIn(0.5)).toBeCloseTo(1 + (PUSH_IN_ZOOM - 1) / 2, 9);
    expect(crossfade(3, 3, 7)).toBe(0);
    expect(crossfade(5, 3, 7)).toBe(0.5);
    expect(crossfade(7, 3, 7)).toBe(1);
  });
});

describe('frame operations', () => {
  it('mixes two frames by a weight', () => {
    const a = Uint8Array.from([0, 100, 200]);
    const b = Uint8Array.from([100, 100, 0]);
    const out = new Uint8Array(3);
    mixFrames(a, b, 0.25, out);
    expect([...out]).toEqual([25, 100, 150]);
    mixFrames(a, b, 0, out);
    expect([...out]).toEqual([...a]);
    mixFrames(a, b, 1, out);
    expect([...out]).toEqual([...b]);
  });

  it('zooms about the centre: zoom 1 is exact, zoom 2 halves a ramp’s slope and keeps its middle', () => {
    const width = 16;
    const height = 4;
    const ramp = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) ramp.fill(x * 10, (y * width + x) * 3, (y * width + x + 1) * 3);
    const out = new Uint8Array(ramp.length);
    zoomFrame(ramp, width, height, 1, out);
    expect([...out]).toEqual([...ramp]);
    zoomFrame(ramp, width, height, 2, out);
    const row = Array.from({ length: width }, (_, x) => out[x * 3]!);
    expect(row[8]! - row[7]!).toBe(5);
    // The middle stays where it was (70 and 80 either side of it), up to rounding.
    expect(Math.abs((row[7]! + row[8]!) / 2 - 75)).toBeLessThanOrEqual(0.5);
  });
});
