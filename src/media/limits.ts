import type { InputLimits, MediaLimit } from '../models/types.js';
import { statSync } from 'node:fs';
import { probe } from './probe.js';
import type { MediaInfo } from './types.js';

/** One input a provider would refuse (or silently cut), and the step that fixes it. */
export interface LimitProblem {
  /** The parameter, and the list index when the parameter is a list. */
  at: (string | number)[];
  message: string;
}

const MB = 1024 * 1024;

/**
 * Probes the given media and checks them against a model's documented limits. `files` maps a parameter
 * to its local file (or files, for a list); parameters not given are not checked: their files are not
 * known yet (an upstream step makes them) and are checked again when the step runs.
 */
export async function checkInputLimits(limits: InputLimits, files: Readonly<Record<string, string | readonly string[]>>, signal?: AbortSignal): Promise<LimitProblem[]> {
  const info = (file: string) => probeOnce(file, signal);
  const problems: LimitProblem[] = [];
  for (const [param, limit] of Object.entries(limits.params)) {
    const given = files[param];
    if (given === undefined) continue;
    const list = typeof given === 'string' ? [given] : given;
    for (const [i, file] of list.entries()) {
      const at = typeof given === 'string' ? [param] : [param, i];
      for (const message of against(limit, await info(file))) problems.push({ at, message: `${param}${typeof given === 'string' ? '' : `[${i}]`}: ${message}` });
    }
  }
  for (const [a, b] of limits.sameShape ?? []) {
    const fa = files[a];
    const fb = files[b];
    if (typeof fa !== 'string' || typeof fb !== 'string') continue;
    const [ia, ib] = [await info(fa), await info(fb)];
    if (ia.width !== ib.width || ia.height !== ib.height) {
      problems.push({ at: [b], message: `${b} is ${ib.width}×${ib.height} but ${a} is ${ia.width}×${ia.height}; they must match: add a local/transcode step with width: ${ia.width}, height: ${ia.height}, fit: stretch for ${b}` });
    } else if (ia.kind === 'video' && ib.kind === 'video' && ia.frames !== ib.frames) {
      problems.push({ at: [b], message: `${b} has ${ib.frames} frames but ${a} has ${ia.frames}; they must match frame for frame: trim the longer one with a local/trim step, or make both at the same fps with local/transcode` });
    }
  }
  if (limits.together) {
    const clips = limits.together.params.filter((p) => typeof files[p] === 'string');
    if (clips.length > 1) {
      let total = 0;
      for (const p of clips) total += (await info(files[p] as string)).duration;
      if (total > limits.together.maxSeconds + 0.05) {
        problems.push({ at: [clips[1]!], message: `${clips.join(' and ')} are ${seconds(total)} together; the provider takes at most ${limits.together.maxSeconds} s in all: shorten them with local/trim steps` });
      }
    }
  }
  return problems;
}

const probed = new Map<string, Promise<MediaInfo>>();

/**
 * One probe per file and version within a process: plan and run, and a hundred steps reading the same
 * clip, each ask about the same file.
 */
function probeOnce(file: string, signal?: AbortSignal): Promise<MediaInfo> {
  const { size, mtimeMs, ino } = statSync(file);
  const key = `${file}\0${ino}\0${size}\0${mtimeMs}`;
  let pending = probed.get(key);
  if (!pending) {
    pending = probe(file, { signal });
    probed.set(key, pending);
    pending.catch(() => probed.delete(key));
  }
  return pending;
}

function against(limit: MediaLimit, info: MediaInfo): string[] {
  const out: string[] = [];
  if (limit.mp4 && !/\bmp4\b/.test(info.format)) out.push(`must be an MP4 file (this is ${info.format.split(',')[0]}): convert it with a local/transcode step`);
  if (limit.maxSeconds !== undefined && info.duration > limit.maxSeconds + 0.05) {
    out.push(`is ${seconds(info.duration)} long, over the provider's ${limit.maxSeconds} s: add a local/trim step with duration: ${limit.maxSeconds}`);
  }
  if (limit.minFps !== undefined && info.kind === 'video' && info.fps < limit.minFps) {
    out.push(`is ${round(info.fps)} fps, under the provider's ${limit.minFps} fps: add a local/transcode step with fps: ${Math.max(limit.minFps, 24)}`);
  }
  if (limit.maxBytes !== undefined && info.sizeBytes > limit.maxBytes) {
    out.push(`is ${round(info.sizeBytes / MB)} MB, over the provider's ${limit.maxBytes / MB} MB: make it smaller with a local/transcode step (a smaller width, or a shorter max_duration)`);
  }
  const sides = [info.width, info.height];
  if (limit.minSide !== undefined && Math.min(...sides) < limit.minSide) {
    out.push(`is ${info.width}×${info.height}; each side must be at least ${limit.minSide} px: use a larger image`);
  }
  if (limit.maxSide !== undefined && Math.max(...sides) > limit.maxSide) {
    out.push(`is ${info.width}×${info.height}; each side must be at most ${limit.maxSide} px: scale it down`);
  }
  return out;
}

function seconds(s: number): string {
  return `${round(s)} s`;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
