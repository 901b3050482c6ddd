#!/usr/bin/env node
// Writes the sample media of recipes/assets/ from real photographs, so the demo shows what removal does to a
// real scene, and the masks are exact because the object is composited with a mask we draw: `npm run samples`.
// The files are committed; run this only to change them.
//
// The photographs come from Debian's python3-skimage package (`apt-get install python3-skimage`), the
// scikit-image sample data, all three CC0 (no copyright restrictions):
//   coffee.png   an espresso on a wooden table (Rachel Michetti)            the scene
//   chelsea.png  a tabby cat (Stefan van der Walt)                          the object's fur
//   horse.png    a horse silhouette (openclipart, Andreas Preuss)           the object's shape
// Another folder holding them: SKIMAGE_DATA=/path/to/skimage/data npm run samples.
//
//   breakfast.mp4       320×180, 24 fps, 4 s (96 frames): the camera pans slowly over the table while a
//                       tabby toy horse crosses it left to right
//   breakfast-mask.mp4  the object's mask in VOID polarity (0 = object to remove, 255 = keep), lossless,
//                       frame for frame the same pixels as the object
//   subject.png         the object alone on white, 440×360, for reference-to-video (DashScope: ≥ 360 px)
//   background.jpg      the scene's first view without the object, 640×360 (JPEG: a photo, a fifth of the PNG)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath } from '../dist/media/binaries.js';

const OUT = fileURLToPath(new URL('../recipes/assets/', import.meta.url));
const DATA = process.env.SKIMAGE_DATA ?? '/usr/lib/python3/dist-packages/skimage/data';
const PHOTOS = { scene: 'coffee.png', fur: 'chelsea.png', shape: 'horse.png' };
for (const name of Object.values(PHOTOS)) {
  if (!existsSync(join(DATA, name))) {
    console.error(`npm run samples: ${join(DATA, name)} is missing: install Debian's python3-skimage (apt-get install python3-skimage), or set SKIMAGE_DATA to a folder holding ${Object.values(PHOTOS).join(', ')}`);
    process.exit(2);
  }
}

const W = 320;
const H = 180;
const FPS = 24;
const SECONDS = 4;
const FRAMES = FPS * SECONDS;
// The object: 84 px wide (the silhouette's aspect gives 68 px high), fully inside the frame all along.
const OW = 84;
const OH = 68;
// Where the object is at time t: the same expressions place the object and its mask.
const X = `12+t*${((W - OW - 24) / SECONDS).toFixed(3)}`;
const Y = `${H - OH - 14}-3*abs(sin(t*5))`;
// The camera: the photo at 2×, a 960×540 window moving right and down, shown at 320×180 (a third of a
// pixel per step, so the pan is smooth).
const CAMERA = `scale=1200:800:flags=lanczos,crop=960:540:x='40+160*t/${SECONDS}':y='150+50*t/${SECONDS}',scale=${W}:${H}:flags=area`;
// The silhouette as a hard 0/255 alpha (255 = horse), so object and mask cover exactly the same pixels.
const shape = (w, h) => `format=gray,scale=${w}:${h}:flags=area,lut=y='if(lt(val,128),255,0)'`;
// Tabby fur from the cat's forehead, sized to the silhouette.
const fur = (w, h) => `crop=150:95:175:0,scale=${w}:${h}:flags=lanczos,eq=brightness=-0.05:contrast=1.1`;
const H264 = ['-c:v', 'libx264', '-preset', 'slow', '-crf', '16', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

function ffmpeg(args) {
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
}

const photo = (name) => ['-loop', '1', '-framerate', String(FPS), '-t', String(SECONDS), '-i', join(DATA, name)];
const still = (name) => ['-i', join(DATA, name)];

mkdirSync(OUT, { recursive: true });

ffmpeg([...still(PHOTOS.scene), '-vf', `scale=1200:800:flags=lanczos,crop=960:540:40:150,scale=640:360:flags=area`, '-frames:v', '1', '-q:v', '3', `${OUT}background.jpg`]);
ffmpeg([
  ...still(PHOTOS.fur), ...still(PHOTOS.shape),
  '-filter_complex', `[0]${fur(440, 360)}[f];[1]${shape(440, 360)}[a];[f][a]alphamerge[o];color=c=white:s=440x360[w];[w][o]overlay=shortest=1,format=rgb24`,
  '-frames:v', '1', `${OUT}subject.png`,
]);
ffmpeg([
  ...photo(PHOTOS.scene), ...photo(PHOTOS.fur), ...photo(PHOTOS.shape),
  '-filter_complex', `[0]${CAMERA}[s];[1]${fur(OW, OH)}[f];[2]${shape(OW, OH)}[a];[f][a]alphamerge[o];[s][o]overlay=x='${X}':y='${Y}':eval=frame,format=yuv420p`,
  '-frames:v', String(FRAMES), '-r', String(FPS), ...H264, `${OUT}breakfast.mp4`,
]);
// Lossless (-qp 0) so every mask pixel is exactly 0 or 255, as a segmentation tool would write it.
ffmpeg([
  ...photo(PHOTOS.shape),
  '-filter_complex', `[0]${shape(OW, OH)}[a];color=c=black:s=${OW}x${OH}:r=${FPS}:d=${SECONDS}[k];[k][a]alphamerge[o];color=c=white:s=${W}x${H}:r=${FPS}:d=${SECONDS}[w];[w][o]overlay=x='${X}':y='${Y}':eval=frame,format=gray,format=yuv420p`,
  '-frames:v', String(FRAMES), '-r', String(FPS), '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', `${OUT}breakfast-mask.mp4`,
]);
console.log('wrote recipes/assets/{breakfast.mp4, breakfast-mask.mp4, subject.png, background.jpg}');
