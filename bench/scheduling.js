// Scheduling efficiency: many independent remote steps through the CLI against the fake WaveSpeed server,
// compared with the best any scheduler could do under the same limits.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeWaveSpeed } from '../test/support/fake-providers/index.mjs';
import { machine, writeSection } from './report.js';

const BIN = fileURLToPath(new URL('../bin/vidrecipe.js', import.meta.url));
const CLIP = fileURLToPath(new URL('../recipes/assets/breakfast.mp4', import.meta.url));
const MASK = fileURLToPath(new URL('../recipes/assets/breakfast-mask.mp4', import.meta.url));
const KEY = 'bench-key';
const POLL_MS = 100;

const CASES = [
  { steps: 200, concurrency: 8, perSecond: 4, taskMs: 1000, binds: 'the submission rate' },
  { steps: 200, concurrency: 8, perSecond: 20, taskMs: 1000, binds: 'tasks in flight' },
];

function recipe(n) {
  let text = 'version: 1\nname: fan-out\nsteps:\n';
  for (let i = 0; i < n; i++) text += `  s${i}:\n    uses: wavespeed-ai/void-video-inpainting/mask\n    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "scene ${i}" }\n`;
  return text;
}

/**
 * The best makespan possible for tasks of equal length: each submission leaves as early as both limits let
 * it — at most `perSecond` in any second, at most `concurrency` tasks in flight — and no order does better.
 */
export function bound({ steps, concurrency, perSecond, taskMs }) {
  const starts = [];
  for (let k = 0; k < steps; k++) {
    starts.push(Math.max(k >= perSecond ? starts[k - perSecond] + 1000 : 0, k >= concurrency ? starts[k - concurrency] + taskMs : 0));
  }
  return starts[steps - 1] + taskMs;
}

/** One `vidrecipe run --json` of `text` (default: `c.steps` independent VOID steps) against a fresh fake WaveSpeed. */
export async function measure(c, text = recipe(c.steps)) {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-bench-sched-'));
  // The provider never queues: whatever limits the run is vidrecipe's own limiter.
  const fake = await startFakeWaveSpeed({ apiKey: KEY, concurrency: 10_000, taskMs: c.taskMs });
  try {
    copyFileSync(CLIP, join(dir, 'clip.mp4'));
    copyFileSync(MASK, join(dir, 'mask.mp4'));
    writeFileSync(join(dir, 'recipe.yaml'), text);
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), `wavespeed:\n  concurrency: ${c.concurrency}\n  rate: ${c.perSecond}/s\n  poll_interval: ${c.pollMs ?? POLL_MS}ms\n`);
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'run', 'recipe.yaml', '--json'], {
      cwd: dir,
      env: { ...process.env, WAVESPEED_BASE_URL: fake.url, WAVESPEED_API_KEY: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`scheduling bench run failed (${code}): ${stderr.slice(-2000)}`);
    const stats = fake.stats();
    const submits = stats.submits;
    const firstToLast = Math.max(...[...fake.tasks.values()].map((t) => t.finishedAt ?? 0)) - Math.min(...submits);
    return { ...c, wallMs, firstToLastMs: firstToLast, boundMs: bound(c), maxInFlight: stats.maxInFlight, maxPerSecond: stats.maxSubmitsIn(1000), tasks: fake.tasks.size };
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Start-up of the CLI on the same recipe without running anything, to show what the wall time includes. */
function startupMs(n) {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-bench-sched-'));
  try {
    writeFileSync(join(dir, 'recipe.yaml'), recipe(n));
    const t = performance.now();
    spawnSync(process.execPath, [BIN, 'validate', 'recipe.yaml'], { cwd: dir });
    return performance.now() - t;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const held = (r) => r.maxInFlight <= r.concurrency && r.maxPerSecond <= r.perSecond;

export async function run() {
  mkdirSync(tmpdir(), { recursive: true });
  const results = [];
  for (const c of CASES) results.push(await measure(c));
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const rows = results.map(
    (r) =>
      `| ${r.steps} steps, ${r.concurrency} in flight, ${r.perSecond}/s, ${r.taskMs / 1000} s tasks (bound by ${r.binds}) | ${s(r.boundMs)} | ${s(r.wallMs)} | **${(r.wallMs / r.boundMs).toFixed(3)}×** | ${(r.firstToLastMs / r.boundMs).toFixed(3)}× | ${r.maxInFlight} / ${r.maxPerSecond}${held(r) ? '' : ' (over the limit)'} | ${r.wallMs / r.boundMs <= 1.05 ? 'met' : 'not met'} |`,
  );
  writeSection(
    'scheduling',
    `## Scheduling efficiency against a remote provider

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| case | bound | makespan (whole CLI run) | ratio (target ≤ 1.05) | first submit → last task done | most in flight / submits in any 1 s | |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

\`npx vidrecipe run\` on a recipe of independent VOID steps (distinct prompts, so every step is a task) against
the fake WaveSpeed server (test/support/fake-providers), which starts every task at once and finishes it
after the task time, so the only limits are vidrecipe's own (vidrecipe.config.yaml: \`concurrency\`, \`rate\`,
\`poll_interval: ${POLL_MS}ms\`). The bound is what a perfect scheduler achieves: every submission leaves as
early as both limits let it (no more than \`rate\` in any second, no more than C tasks in flight), which for
tasks of equal length no order can beat, and the last task then takes the task time. The makespan is the whole CLI process (start-up
${s(startupMs(CASES[0].steps))} for this recipe, plan, two uploads, every poll and download, cache writes and the report), so the
ratio includes everything a user waits for. The last column is the fake's own count (by arrival): ${
      results.every(held) ? 'the configured limits held in every case' : 'a limit was exceeded'
    }.`,
  );
  return results;
}
