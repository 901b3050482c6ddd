// One removal in a fresh process, so its peak memory is its own: prints {ms, maxRssKb, baselineRssKb}.
import { readFileSync } from 'node:fs';
import { probe } from '../dist/media/probe.js';
import { removeObject } from '../dist/media/remove-object.js';

const [video, mask, output] = process.argv.slice(2);
const info = await probe(video);
// VmHWM, not resourceUsage().maxRSS: Linux carries ru_maxrss over exec, so a child would report the
// bench process's own peak.
const peakKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? process.resourceUsage().maxRSS);
const baselineRssKb = peakKb();
const started = performance.now();
await removeObject({ video, mask, output, width: info.width, height: info.height, fps: info.fps, frames: info.frames });
console.log(JSON.stringify({ ms: performance.now() - started, maxRssKb: peakKb(), baselineRssKb }));
