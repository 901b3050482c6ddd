// Many machines: 300 remote legs over 3 worker processes that share one account's limits through BullMQ on
// Redis, PostgreSQL and an S3 API server, against the fake WaveSpeed; and what the coordinator costs per leg.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeWaveSpeed } from '../test/support/fake-providers/index.mjs';
import { startTestFleet } from '../test/support/test-fleet.mjs';
import { remoteBatchRecipe } from './batches-recipes.js';
import { machine, writeSection } from './report.js';
import { bound } from './scheduling.js';

const BIN = fileURLToPath(new URL('../bin/vidrecipe.js', import.meta.url));
const CPU_HOOK = fileURLToPath(new URL('./cpu-hook.js', import.meta.url));
const CLIP = fileURLToPath(new URL('../recipes/assets/breakfast.mp4', import.meta.url));
const MASK = fileURLToPath(new URL('../recipes/assets/breakfast-mask.mp4', import.meta.url));
const KEY = 'bench-key';
const WORKERS = 3;

export const CASES = [
  { steps: 300, concurrency: 60, perSecond: 50, taskMs: 10_000, pollMs: 250, binds: 'tasks in flight' },
  { steps: 300, concurrency: 100, perSecond: 8, taskMs: 10_000, pollMs: 500, binds: 'the submission rate' },
];

function child(args, cwd, env, cpuFile, nodeArgs = []) {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', CPU_HOOK, BIN, ...args], { cwd, env: { ...process.env, ...env, VIDRECIPE_BENCH_CPU: cpuFile ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (d) => (stderr += d));
  proc.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  return { proc, exited, stderr: () => stderr, stdout: () => stdout };
}

/**
 * One case: a fresh fake, fresh services, `WORKERS` workers started and ready, then the coordinator's
 * `run --json` timed from its start to its exit. With `fleet` false, the same recipe on one machine.
 */
export async function measure(c, fleetMode) {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-bench-fleet-'));
  const fake = await startFakeWaveSpeed({ apiKey: KEY, concurrency: 10_000, taskMs: c.taskMs });
  const fleet = fleetMode ? await startTestFleet() : undefined;
  const workers = [];
  try {
    copyFileSync(CLIP, join(dir, 'clip.mp4'));
    copyFileSync(MASK, join(dir, 'mask.mp4'));
    writeFileSync(join(dir, 'recipe.yaml'), remoteBatchRecipe(c.steps));
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), `${fleet ? fleet.configLines('bench') : ''}wavespeed:\n  concurrency: ${c.concurrency}\n  rate: ${c.perSecond}/s\n  poll_interval: ${c.pollMs}ms\n`);
    const env = { WAVESPEED_BASE_URL: fake.url, WAVESPEED_API_KEY: KEY, ...(fleet?.env ?? {}) };
    for (let i = 0; fleet && i < WORKERS; i++) {
      const w = child(['worker', '--backends', 'wavespeed', '--state-dir', `worker-${i}`], dir, env);
      workers.push(w);
    }
    // Ready when each has said which queues it serves.
    for (const w of workers) while (!w.stderr().includes('takes steps from')) await new Promise((r) => setTimeout(r, 20));
    const cpuFile = join(dir, '.cpu');
    const started = performance.now();
    const startedAt = Date.now();
    // VIDRECIPE_BENCH_PROFILE=DIR: a CPU profile of the coordinator, for finding where its time goes.
    const profile = process.env.VIDRECIPE_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VIDRECIPE_BENCH_PROFILE}`] : [];
    const run = child(['run', 'recipe.yaml', '--json'], dir, fleet ? { ...env, WAVESPEED_API_KEY: '' } : env, cpuFile, profile);
    const code = await run.exited;
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`fleet bench run failed (${code}): ${run.stderr().slice(-2000)}${failedSteps(run.stdout())}`);
    const stats = fake.stats();
    const prompts = new Set([...fake.tasks.values()].map((t) => t.body.prompt));
    const tasks = [...fake.tasks.values()];
    // From the first submission to the last task's end: the scheduling alone, without the start-up.
    const firstToLastMs = Math.max(...tasks.map((t) => t.finishedAt ?? 0)) - Math.min(...tasks.map((t) => t.submittedAt));
    const firstSubmitMs = Math.min(...tasks.map((t) => Date.parse(t.createdAt))) - startedAt;
    return { ...c, fleet: fleetMode, wallMs, firstToLastMs, firstSubmitMs, coordinatorCpuMs: Number(readFileSync(cpuFile, 'utf8')), tasks: fake.tasks.size, duplicates: fake.tasks.size - prompts.size, maxInFlight: stats.maxInFlight, maxPerSecond: stats.maxSubmitsIn(1000) };
  } finally {
    for (const w of workers) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await fleet?.close();
    await fake.close();
    // VIDRECIPE_BENCH_KEEP=1 keeps the folder: the workers' journals say where each step's time went.
    if (!process.env.VIDRECIPE_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else console.error(`kept ${dir}`);
  }
}

/** The errors of the steps that failed, from the run's `--json`. */
function failedSteps(json) {
  try {
    const steps = Object.entries(JSON.parse(json).steps).filter(([, s]) => s.status !== 'succeeded');
    return steps.map(([id, s]) => `\n${id}: ${s.status}: ${s.error ?? ''}`).join('');
  } catch {
    return json.slice(-2000);
  }
}

/** A tenth of the first case: the coordinator's CPU per leg beyond what any run costs once (start-up, connecting). */
const SMALL = { ...CASES[0], steps: 30, small: true };

/**
 * Runs of one case on a machine whose cores the fleet shares vary by several percent: each case runs
 * `VIDRECIPE_BENCH_ROUNDS` times (3 by default), and the run of median makespan stands for it, with the
 * median of the coordinator's CPU and the range of the makespans beside it.
 */
const ROUNDS = Math.max(1, Number(process.env.VIDRECIPE_BENCH_ROUNDS ?? 3));

async function repeated(c, fleetMode) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await measure(c, fleetMode));
  const middle = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  return { ...byWall[Math.floor(runs.length / 2)], coordinatorCpuMs: middle(runs.map((r) => r.coordinatorCpuMs)), wallMsRange: [byWall[0].wallMs, byWall.at(-1).wallMs], rounds: runs.length };
}

export async function run() {
  const results = [];
  for (const c of CASES) results.push(await repeated(c, true));
  results.push(await repeated(SMALL, true));
  // The same recipe on one machine, for the coordinator's cost beside a run that does the work itself.
  results.push(await repeated(CASES[0], false));
  return render(results);
}

const held = (r) => r.maxInFlight <= r.concurrency && r.maxPerSecond <= r.perSecond;

export function render(results) {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const fleetRuns = results.filter((r) => r.fleet && !r.small);
  const small = results.find((r) => r.small);
  const alone = results.find((r) => !r.fleet);
  const marginal = (fleetRuns[0].coordinatorCpuMs - small.coordinatorCpuMs) / (fleetRuns[0].steps - small.steps);
  const rows = fleetRuns.map(
    (r) =>
      `| ${r.steps} legs over ${WORKERS} workers, ${r.concurrency} in flight, ${r.perSecond}/s, ${r.taskMs / 1000} s tasks, polled every ${r.pollMs} ms (bound by ${r.binds}) | ${s(bound(r))} | ${s(r.wallMs)} | **${(r.wallMs / bound(r)).toFixed(3)}×**${range(r)} | ${(r.firstToLastMs / bound(r)).toFixed(3)}× | ${r.tasks} / ${r.duplicates} / ${r.maxInFlight} / ${r.maxPerSecond} | ${r.wallMs / bound(r) <= 1.05 && held(r) && r.duplicates === 0 ? 'met' : 'not met'} |`,
  );
  const perLeg = (r) => r.coordinatorCpuMs / r.steps;
  writeSection(
    'fleet',
    `## Many machines

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; Redis, PostgreSQL and the S3 API server
(s3rver) on the same machine, so workers, coordinator and services share its cores.

**${CASES[0].steps} remote legs, ${WORKERS} worker processes, one account** (target: makespan ≤ 1.05 × the bound, no duplicate)

| case | bound | makespan (coordinator's whole run, median run) | ratio | first submit → last task done | tasks / duplicates / most in flight / submits in any 1 s | |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

\`npx vidrecipe run\` as the coordinator of a ${CASES[0].steps}-leg matrix of VOID steps (distinct prompts), with
${WORKERS} \`npx vidrecipe worker\` processes started and ready before it; the fake WaveSpeed starts every task
at once, so only the account's limits in vidrecipe.config.yaml hold the run back — now across processes:
its tasks in flight and its window of submissions kept in PostgreSQL, its steps active and their starts
paced by BullMQ on Redis. The bound is the one of
"Scheduling efficiency" (each submission as early as both limits allow); the last columns are the fake's own
count: ${fleetRuns.every(held) ? 'the limits held in every case' : 'a limit was exceeded'}, and ${fleetRuns.every((r) => r.duplicates === 0) ? 'no prompt was submitted twice' : 'a prompt was submitted twice'}.

**What the coordinator costs per leg** (target < 5 ms of CPU): ${marginal.toFixed(2)} ms per leg
(${met(marginal < 5)}), the difference between the coordinator's CPU for ${fleetRuns[0].steps} legs (${s(fleetRuns[0].coordinatorCpuMs)}) and for ${small.steps}
(${s(small.coordinatorCpuMs)}) over the ${fleetRuns[0].steps - small.steps} legs between them (medians of ${small.rounds ?? 1} runs each): per leg its part
of the plan (the shared cache asked once per round of the DAG), the job added to the queue, the workers'
replies read from its inbox, the record brought back and written here, the journal, the out folder and
the report; what any run costs once (start-up, loading BullMQ, pg and the AWS SDK, connecting, the inputs
stored) is left out. All of it divided by the legs: ${perLeg(fleetRuns[0]).toFixed(2)} ms. The same recipe run
on one machine, doing the work itself (uploads, polls, downloads), used ${perLeg(alone).toFixed(2)} ms per leg and took
${s(alone.wallMs)} (${(alone.wallMs / bound(alone)).toFixed(3)}× the bound).

The makespan includes what a fleet pays once at its start: ${WORKERS} workers, the coordinator, Redis, PostgreSQL
and the S3 server start their first steps at once on the same 2 cores (the coordinator's plan and first
enqueues; each worker's first inputs from the shared cache, first uploads and first probes): the first
submission left ${s(fleetRuns[0].firstSubmitMs)} after the coordinator started (${s(alone.firstSubmitMs)} on one machine). From the first submission to
the last task's end the fleet took ${fleetRuns.map((r) => `${(r.firstToLastMs / bound(r)).toFixed(3)}×`).join(' and ')} the bound (one machine: ${(alone.firstToLastMs / bound(alone)).toFixed(3)}×).`,
  );
  return results;
}

/** The makespans' range over the runs of a case, as ratios. */
function range(r) {
  return r.wallMsRange && r.rounds > 1 ? ` (${r.rounds} runs: ${(r.wallMsRange[0] / bound(r)).toFixed(3)}–${(r.wallMsRange[1] / bound(r)).toFixed(3)})` : '';
}

function met(ok) {
  return ok ? 'met' : 'not met';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--render') render(JSON.parse(readFileSync(process.argv[3], 'utf8')));
  else console.log(JSON.stringify(await run(), null, 2));
}
