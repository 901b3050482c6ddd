// Synthetic removal scenes with a known true background, made frame by frame here rather than by ffmpeg
// filters, so the camera can zoom with sub-pixel accuracy and the truth is exact: the clip (with grain), its
// exact VOID mask, and, losslessly in luma, the background alone and the frames as filmed before encoding.
//
// The background is not the geq waves the tests and earlier benches used (the removal was tuned on those):
// fractal value noise at seven scales, hard-edged rectangles and discs of other brightness, slowly varying
// colour. Everything is drawn from a seeded generator, so a scene is the same on every run and machine.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegPath } from '../dist/media/binaries.js';

export function ffmpeg(args, options = {}) {
  return execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 1 << 30, ...options });
}

/**
 * The scenes, for a frame of `height` px (sizes and speeds scale with it, so 480p and 720p show the same
 * scene):
 * - still: still camera; an object a third of the frame wide and high crosses it, entering and leaving
 *   partly outside the frame, so every place it covers is shown by some frame.
 * - pan: the camera pans right and the object follows it, staying near the middle of the picture; the pan
 *   is fast enough to uncover everything behind it over the clip.
 * - zoom: still camera position zooming in from 1.0× to 1.5× about the centre while the object crosses.
 * - large: still camera; an object half the frame wide and high (a quarter of it) drifts a little around the
 *   middle, so the middle of what it hides is never seen.
 */
export const KINDS = ['still', 'pan', 'zoom', 'large'];

/** Camera and object of frame n of `frames`: the background position of the frame's centre, its zoom, and the object's box. */
function shot(kind, n, frames, width, height) {
  const t = frames > 1 ? n / (frames - 1) : 0;
  const s = height / 480;
  if (kind === 'large') {
    const ow = width >> 1;
    const oh = height >> 1;
    return { pan: 0, zoom: 1, object: { x: Math.round((width - ow) / 2 + 24 * s * Math.sin(2 * Math.PI * t)), y: Math.round((height - oh) / 2 + 10 * s * Math.sin(4 * Math.PI * t)), w: ow, h: oh } };
  }
  const ow = Math.round(width / 3);
  const oh = Math.round(height / 3);
  if (kind === 'pan') {
    // Over the clip the camera moves 1.4 object widths: everything the object covered comes out from behind it.
    return { pan: Math.round(1.4 * ow * t), zoom: 1, object: { x: Math.round((width - ow) / 2 + 12 * s * Math.sin(2 * Math.PI * t)), y: Math.round((height - oh) / 2), w: ow, h: oh } };
  }
  const crossing = { x: Math.round(-ow / 3 + t * (width - ow / 3)), y: Math.round((height - oh) / 2 + (height / 10) * Math.sin(3 * Math.PI * t)), w: ow, h: oh };
  return { pan: 0, zoom: kind === 'zoom' ? 1 + 0.5 * t : 1, object: crossing };
}

/** Small seeded generator of numbers in [0, 1) (Mulberry32). */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Adds value noise of lattice spacing `cell` px and amplitude `amp` to a plane (smoothstep between lattice points). */
function addNoise(plane, width, height, cell, amp, next) {
  const lw = Math.ceil(width / cell) + 2;
  const lh = Math.ceil(height / cell) + 2;
  const lattice = Float32Array.from({ length: lw * lh }, () => 2 * next() - 1);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    const sy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const sx = fx * fx * (3 - 2 * fx);
      const i = y0 * lw + x0;
      const top = lattice[i] + (lattice[i + 1] - lattice[i]) * sx;
      const bottom = lattice[i + lw] + (lattice[i + lw + 1] - lattice[i + lw]) * sx;
      plane[y * width + x] += amp * (top + (bottom - top) * sy);
    }
  }
}

/** The background picture, `width` × `height` px, features scaled by `s`: luma, and chroma at half size. */
function paint(width, height, s, seed) {
  const next = random(seed);
  const y = new Float32Array(width * height).fill(118);
  // Fractal noise: coarse shading down to a fine grain of the surface itself (this one is the same in every
  // frame, unlike the camera's).
  for (const [cell, amp] of [[160, 40], [80, 26], [40, 18], [20, 12], [10, 9], [5, 7], [2.5, 6]]) addNoise(y, width, height, cell * s, amp, next);
  // Hard edges: what a smooth fill blurs and a patch fill has to continue.
  const shapes = Math.round((width * height) / (9000 * s * s));
  for (let k = 0; k < shapes; k++) {
    const cx = next() * width;
    const cy = next() * height;
    const r = (8 + 40 * next() ** 2) * s;
    const lift = (next() < 0.5 ? -1 : 1) * (18 + 30 * next());
    const disc = next() < 0.4;
    for (let py = Math.max(0, Math.floor(cy - r)); py < Math.min(height, Math.ceil(cy + r)); py++) {
      for (let px = Math.max(0, Math.floor(cx - r * 1.6)); px < Math.min(width, Math.ceil(cx + r * 1.6)); px++) {
        if (disc ? (px - cx) ** 2 + (py - cy) ** 2 > r * r : Math.abs(py - cy) > r * 0.7) continue;
        y[py * width + px] += lift;
      }
    }
  }
  const cw = width >> 1;
  const ch = height >> 1;
  const u = new Float32Array(cw * ch).fill(128);
  const v = new Float32Array(cw * ch).fill(128);
  for (const [cell, amp] of [[120, 16], [40, 8]]) {
    addNoise(u, cw, ch, (cell * s) / 2, amp, next);
    addNoise(v, cw, ch, (cell * s) / 2, amp, next);
  }
  return { width, height, y, u, v };
}

/** Bilinear sample of a plane at (x, y), clamped at its edges. */
function sample(plane, width, height, x, y) {
  x = Math.min(width - 1.001, Math.max(0, x));
  y = Math.min(height - 1.001, Math.max(0, y));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * width + x0;
  const top = plane[i] + (plane[i + 1] - plane[i]) * fx;
  const bottom = plane[i + width] + (plane[i + width + 1] - plane[i + width]) * fx;
  return top + (bottom - top) * fy;
}

/** One frame's view of the background: yuv420p bytes. Pixel (x, y) shows background (pan + cx + (x − cx)/zoom, cy + (y − cy)/zoom). */
function view(bg, width, height, pan, zoom) {
  const out = Buffer.alloc(width * height * 1.5);
  const cx = width / 2;
  const cy = height / 2;
  for (let y = 0; y < height; y++) {
    // Without zoom the view is a whole-pixel crop: copied, as the sampling would give it, only faster.
    if (zoom === 1) {
      for (let x = 0; x < width; x++) out[y * width + x] = clamp(bg.y[y * bg.width + pan + x]);
      continue;
    }
    const by = cy + (y + 0.5 - cy) / zoom - 0.5;
    for (let x = 0; x < width; x++) out[y * width + x] = clamp(sample(bg.y, bg.width, bg.height, pan + cx + (x + 0.5 - cx) / zoom - 0.5, by));
  }
  const cw = width >> 1;
  const ch = height >> 1;
  for (const [plane, at] of [[bg.u, width * height], [bg.v, width * height + cw * ch]]) {
    for (let y = 0; y < ch; y++) {
      const by = (cy + (2 * y + 1 - cy) / zoom - 1) / 2;
      for (let x = 0; x < cw; x++) out[at + y * cw + x] = clamp(sample(plane, bg.width >> 1, bg.height >> 1, (pan + cx + (2 * x + 1 - cx) / zoom - 1) / 2, by));
    }
  }
  return out;
}

function clamp(v) {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** The object, a dark red box with a yellow core, drawn into a yuv420p frame; the mask marks it 0. */
function drawObject(frame, mask, width, height, box) {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(width, box.x + box.w);
  const y1 = Math.min(height, box.y + box.h);
  const core = { x0: box.x + box.w * 0.25, y0: box.y + box.h * 0.25, x1: box.x + box.w * 0.75, y1: box.y + box.h * 0.75 };
  const inCore = (x, y) => x >= core.x0 && x < core.x1 && y >= core.y0 && y < core.y1;
  const cw = width >> 1;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      frame[y * width + x] = inCore(x, y) ? 172 : 62;
      mask[y * width + x] = 0;
    }
  }
  // Chroma where the box covers the sample's top-left pixel (the mask's grown margin covers the rest).
  for (let y = y0 >> 1; y < (y1 + 1) >> 1; y++) {
    for (let x = x0 >> 1; x < (x1 + 1) >> 1; x++) {
      if (mask[2 * y * width + 2 * x]) continue;
      const c = inCore(2 * x, 2 * y);
      frame[width * height + y * cw + x] = c ? 70 : 112;
      frame[width * height * 1.25 + y * cw + x] = c ? 150 : 168;
    }
  }
}

/** Camera sensor noise, fresh each frame: about 3 grey levels (σ) in luma, 1.5 in chroma. */
function addGrain(frame, width, height, next) {
  const luma = width * height;
  for (let i = 0; i < frame.length; i++) {
    const amp = i < luma ? 6 : 3;
    frame[i] = clamp(frame[i] + amp * (next() + next() + next() - 1.5));
  }
}

/**
 * Writes the scene's files into `dir`: video (H.264 CRF 18, as a camera's file would be lossy), mask (gray,
 * lossless), background and frames (raw luma: the truth behind the object, and what was filmed).
 */
export function makeScene(dir, { kind, width, height, fps = 30, frames, seed = 14 }) {
  const name = `${kind}-${width}x${height}-${frames}`;
  const s = height / 480;
  const last = shot(kind, frames - 1, frames, width, height);
  const bg = paint(width + last.pan + 2, height, s, seed);
  const grain = random(seed * 7919 + frames);
  const video = [];
  const masks = [];
  const background = [];
  const filmed = [];
  const luma = width * height;
  for (let n = 0; n < frames; n++) {
    const { pan, zoom, object } = shot(kind, n, frames, width, height);
    const frame = view(bg, width, height, pan, zoom);
    background.push(Buffer.from(frame.subarray(0, luma)));
    const mask = Buffer.alloc(luma, 255);
    drawObject(frame, mask, width, height, object);
    addGrain(frame, width, height, grain);
    filmed.push(frame.subarray(0, luma));
    video.push(frame);
    masks.push(mask);
  }
  const files = { video: join(dir, `${name}.mp4`), mask: join(dir, `${name}-mask.mp4`), background: join(dir, `${name}-background.gray`), filmed: join(dir, `${name}-filmed.gray`) };
  const raw = (pixFmt) => ['-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0'];
  ffmpeg([...raw('yuv420p'), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', files.video], { input: Buffer.concat(video) });
  ffmpeg([...raw('gray'), '-vf', 'format=yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-qp', '0', files.mask], { input: Buffer.concat(masks) });
  writeFileSync(files.background, Buffer.concat(background));
  writeFileSync(files.filmed, Buffer.concat(filmed));
  return { name, kind, ...files, width, height, fps, frames };
}

/** Every frame of a file as gray (luma), one Buffer per frame: decoded from video, or read from a raw .gray file. */
export function decodeGray(file, width, height) {
  const raw = file.endsWith('.gray') ? readFileSync(file) : ffmpeg(['-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
  const size = width * height;
  return Array.from({ length: Math.floor(raw.length / size) }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}
