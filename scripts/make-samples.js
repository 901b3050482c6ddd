#!/usr/bin/env node
// Writes the sample media of recipes/assets/ from ffmpeg's own sources, so they are reproducible and
// their masks exact: `npm run samples`. The files are committed; run this only to change them.
//
//   breakfast.mp4       320×180, 24 fps, 4 s (96 frames): a static textured scene with a dark object
//                       crossing it left to right
//   breakfast-mask.mp4  the object's mask in VOID polarity (0 = object to remove, 255 = keep), lossless,
//                       frame for frame the same positions as the object
//   subject.png         the object alone, 360×360, for reference-to-video (DashScope takes reference images of
//                       360–2000 px a side)
//   background.jpg      the scene without the object at twice the clip's size, 640×360, for reference-to-video;
//                       scaled down to 320×180 it is the ground truth a removal should reach (JPEG: a PNG of
//                       this texture would be 20 times larger)
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ffmpegPath } from '../dist/media/binaries.js';

const OUT = fileURLToPath(new URL('../recipes/assets/', import.meta.url));
const W = 320;
const H = 180;
const FPS = 24;
const SECONDS = 4;
const SIZE = 48;
// Where the object is at time t: the same expressions draw the object and its mask.
const X = `20+t*${((W - SIZE - 40) / SECONDS).toFixed(3)}`;
const Y = `${(H - SIZE) / 2}+12*sin(t*2.5)`;
// A scene with structure at several scales (what removal has to reconstruct), still over time.
const SCENE = `geq=lum='128+50*sin(X/9)*cos(Y/11)+30*sin((X+2*Y)/29)':cb='128+20*sin(X/40)':cr='128+20*cos(Y/30)'`;
const H264 = ['-c:v', 'libx264', '-preset', 'slow', '-crf', '16', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

function ffmpeg(args) {
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
}

mkdirSync(OUT, { recursive: true });
const scene = `color=c=gray:s=${W}x${H}:r=${FPS}:d=${SECONDS},format=yuv444p,${SCENE}`;
const object = `color=c=0x6b2a1a:s=${SIZE}x${SIZE}:r=${FPS}:d=${SECONDS}`;

// The same scene drawn at twice the size: every coordinate of SCENE halved.
const SCENE_2X = SCENE.replace(/\b([XY])\b/g, '($1/2)');
ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${2 * W}x${2 * H}:r=${FPS}:d=1,format=yuv444p,${SCENE_2X}`, '-frames:v', '1', '-q:v', '3', `${OUT}background.jpg`]);
// The object at 7.5 times its size in the clip (48 px → 360 px), drawn with the same proportions.
ffmpeg(['-f', 'lavfi', '-i', 'color=c=0x6b2a1a:s=360x360,drawbox=x=60:y=60:w=240:h=240:color=0xd9a441:t=fill', '-frames:v', '1', `${OUT}subject.png`]);
ffmpeg([
  '-f', 'lavfi', '-i', scene,
  '-f', 'lavfi', '-i', `${object},drawbox=x=8:y=8:w=32:h=32:color=0xd9a441:t=fill`,
  '-filter_complex', `[0][1]overlay=x='${X}':y='${Y}':eval=frame,format=yuv420p`,
  '-frames:v', String(FPS * SECONDS), ...H264, `${OUT}breakfast.mp4`,
]);
// Lossless (-qp 0) so every mask pixel is exactly 0 or 255, as a segmentation tool would write it.
ffmpeg([
  '-f', 'lavfi', '-i', `color=c=white:s=${W}x${H}:r=${FPS}:d=${SECONDS}`,
  '-f', 'lavfi', '-i', `color=c=black:s=${SIZE}x${SIZE}:r=${FPS}:d=${SECONDS}`,
  '-filter_complex', `[0][1]overlay=x='${X}':y='${Y}':eval=frame,format=gray,format=yuv420p`,
  '-frames:v', String(FPS * SECONDS), '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', `${OUT}breakfast-mask.mp4`,
]);
console.log('wrote recipes/assets/{breakfast.mp4, breakfast-mask.mp4, subject.png, background.jpg}');
