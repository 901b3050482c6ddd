// One side of the real-leg measurement, in a fresh process whose CPU (with its children's) the parent reads.
// Usage: node bench/batches-local-child.js bare <chain|fanout> <legs> <fps> <clip> <folder>
//        node bench/batches-local-child.js run <recipe> <folder>
// `bare` runs what local/trim runs for each leg — its ffprobe and its ffmpeg, with the same arguments,
// spawned through the same functions — and nothing else. `run` is `vidrecipe run` without its report:
// load, plan, the media and cache checks, and the engine with the CLI's check of each leg's media.
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../dist/engine/config.js';
import { checkCache } from '../dist/engine/cache-status.js';
import { runPlan } from '../dist/engine/run.js';
import { checkStepMedia } from '../dist/engine/step-media.js';
import { mediaPreflight } from '../dist/graph/media-preflight.js';
import { planRecipe } from '../dist/graph/plan.js';
import { ffprobePath } from '../dist/media/binaries.js';
import { runFfmpeg } from '../dist/media/ffmpeg.js';
import { AAC_OUTPUT, H264_OUTPUT } from '../dist/media/h264.js';
import { runProcess } from '../dist/media/process.js';
import { createExecutors } from '../dist/providers/registry.js';
import { loadRecipe } from '../dist/recipe/load.js';
import { cutOf } from './batches-recipes.js';

/** local/trim's two commands on `input` (a clip without audio, even-sized: no crop, no audio map). */
async function trimBare(input, duration, out) {
  const { stdout } = await runProcess(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', input], { file: input, tool: 'ffprobe' });
  JSON.parse(stdout);
  await runFfmpeg(['-ss', (0).toFixed(6), '-i', input, '-t', duration.toFixed(6), '-map', '0:v:0', '-map', '0:a:0?', ...H264_OUTPUT, ...AAC_OUTPUT, out], { file: input, expectedSec: duration, onProgress: () => {} });
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'bare') {
  const [shape, count, fps, clip, dir] = [args[0], Number(args[1]), Number(args[2]), resolve(args[3]), resolve(args[4])];
  mkdirSync(dir, { recursive: true });
  if (shape === 'chain') {
    let input = clip;
    for (let i = 0; i < count; i++) {
      const out = join(dir, `${i}.mp4`);
      await trimBare(input, cutOf(i, count, fps), out);
      input = out;
    }
  } else {
    // As many at once as the engine runs local steps at once.
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        await trimBare(clip, cutOf(i, count, fps), join(dir, `${i}.mp4`));
      }
    };
    await Promise.all(Array.from({ length: availableParallelism() }, worker));
  }
} else if (mode === 'run') {
  const [file, dir] = [resolve(args[0]), resolve(args[1])];
  const loaded = loadRecipe(file, { cap: false });
  if (!loaded.recipe || !loaded.source) throw new Error(`invalid recipe: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  const config = loadConfig(dir, process.env, {});
  const plan = planRecipe(loaded.recipe, loaded.source, {});
  const stateDir = join(dir, '.vidrecipe');
  await mediaPreflight(plan, loaded.source, { cwd: dir });
  await checkCache(plan, stateDir, { missingMedia: 'error', downloads: config.config.downloads });
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`refused: ${errors.map((d) => d.message).join('; ')}`);
  const result = await runPlan(plan, { stateDir, outDir: join(dir, 'out'), config: config.config, executors: createExecutors(config.config), checkMedia: checkStepMedia });
  if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${result.steps.find((s) => s.error)?.error ?? result.errors.join('; ')}`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
// This process's own CPU, and that of the processes it started (ffprobe, ffmpeg), once they have exited.
const own = process.cpuUsage();
process.stdout.write(JSON.stringify({ ownMs: (own.user + own.system) / 1000, toolsMs: childrenCpuMs() }));

/** User + system time of the waited-for children, from /proc (Linux): clock ticks of 1/100 s. */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}
