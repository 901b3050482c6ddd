// One removal in a fresh process, so its peak memory is its own: prints {ms, maxRssKb, baselineRssKb}.
import { probe } from '../dist/media/probe.js';
import { removeObject } from '../dist/media/remove-object.js';
import { peakKb } from './peak-memory.js';

const [video, mask, output] = process.argv.slice(2);
const info = await probe(video);
const baselineRssKb = peakKb();
const started = performance.now();
await removeObject({ video, mask, output, width: info.width, height: info.height, fps: info.fps, frames: info.frames });
console.log(JSON.stringify({ ms: performance.now() - started, maxRssKb: peakKb(), baselineRssKb }));
