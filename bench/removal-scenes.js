// Synthetic removal scenes with a known true background: the clip, its exact VOID mask, and the truth.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ffmpegPath } from '../dist/media/binaries.js';

// Structure at several scales (as in scripts/make-samples.js), over a wider strip the camera can pan across.
const SCENE = "geq=lum='128+50*sin(X/9)*cos(Y/11)+30*sin((X+2*Y)/29)':cb='128+20*sin(X/40)':cr='128+20*cos(Y/30)'";
// Light sensor noise, changing every frame, as any camera has: without it a synthetic still scene leaves
// x264 almost nothing to encode, unlike footage.
const GRAIN = 'noise=alls=6:allf=t';

export function ffmpeg(args, options = {}) {
  return execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 1 << 30, ...options });
}

/**
 * kind: still (the object crosses a still shot), pan (the camera pans 3 px a frame following the object, which
 * stays near one place in the picture), stuck (still camera, the object never leaves its spot: nothing ever
 * shows what is behind it, so only the spatial fill can help).
 */
export function makeScene(dir, { kind, width, height, fps = 30, frames, grain = true }) {
  const name = `${kind}-${width}x${height}-${frames}${grain ? '' : '-clean'}`;
  const pan = kind === 'pan' ? 3 : 0;
  const wide = width + pan * frames;
  const background = join(dir, `${name}-background.png`);
  ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${wide}x${height},format=yuv444p,${SCENE}`, '-frames:v', '1', background]);
  const size = Math.round(height * 0.3);
  const inner = Math.round(size * 0.6);
  const object = `color=c=0x6b2a1a:s=${size}x${size}:r=${fps},drawbox=x=${(size - inner) >> 1}:y=${(size - inner) >> 1}:w=${inner}:h=${inner}:color=0xd9a441:t=fill`;
  const travel = ((width - size - 20) / frames).toFixed(3);
  const [x, y] =
    kind === 'still' ? [`10+n*${travel}`, `${(height - size) >> 1}+${Math.round(height / 12)}*sin(n/8)`]
      : kind === 'pan' ? [`${(width - size) >> 1}+8*sin(n/10)`, `${(height - size) >> 1}`]
        : [`${(width - size) >> 1}+2*sin(n/5)`, `${(height - size) >> 1}+2*cos(n/7)`];
  const camera = `crop=${width}:${height}:'n*${pan}':0`;
  const count = ['-frames:v', String(frames)];
  const video = join(dir, `${name}.mp4`);
  const mask = join(dir, `${name}-mask.mp4`);
  const truth = join(dir, `${name}-truth.mkv`);
  ffmpeg([
    '-loop', '1', '-framerate', String(fps), '-i', background, '-f', 'lavfi', '-i', object,
    '-filter_complex', `[0]${camera}[bg];[bg][1]overlay=x='${x}':y='${y}':eval=frame${grain ? `,${GRAIN}` : ''},format=yuv420p`,
    ...count, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', video,
  ]);
  ffmpeg([
    '-f', 'lavfi', '-i', `color=c=white:s=${width}x${height}:r=${fps}`, '-f', 'lavfi', '-i', `color=c=black:s=${size}x${size}:r=${fps}`,
    '-filter_complex', `[0][1]overlay=x='${x}':y='${y}':eval=frame,format=gray,format=yuv420p`, ...count, '-c:v', 'libx264', '-preset', 'veryfast', '-qp', '0', mask,
  ]);
  // The truth in luma, losslessly: what the removed region should show.
  ffmpeg(['-loop', '1', '-framerate', String(fps), '-i', background, '-vf', `${camera},format=gray`, ...count, '-c:v', 'ffv1', truth]);
  return { name, video, mask, truth, width, height, fps, frames };
}

/** Every frame of a file as gray (luma), one Buffer per frame. */
export function decodeGray(file, width, height) {
  const raw = ffmpeg(['-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
  const size = width * height;
  return Array.from({ length: Math.floor(raw.length / size) }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}
