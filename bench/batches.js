// Batches: the front end on a matrix of 10,000 legs, the engine's overhead per leg, 300 remote legs under
// a provider's limits, and what a real local leg costs around its own ffprobe and ffmpeg.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainRecipe, fanOutRecipe, remoteBatchRecipe, shotList, shotListRecipe, sweepRecipe } from './batches-recipes.js';
import { ffmpegPath } from '../dist/media/binaries.js';
import { machine, median, writeSection } from './report.js';
import { bound, measure as measureRemote } from './scheduling.js';

const BIN = fileURLToPath(new URL('../bin/vidrecipe.js', import.meta.url));
const RSS_HOOK = new URL('rss-hook.js', import.meta.url).href;
const ENGINE_CHILD = fileURLToPath(new URL('batches-engine-child.js', import.meta.url));
const LOCAL_CHILD = fileURLToPath(new URL('batches-local-child.js', import.meta.url));
const CLIP = fileURLToPath(new URL('../recipes/assets/breakfast.mp4', import.meta.url));
const MASK = fileURLToPath(new URL('../recipes/assets/breakfast-mask.mp4', import.meta.url));
// As bench/engine.js: the engine's own cost is measured with its state dir in memory, where the disk's
// swings in latency cannot drown it.
const MEMORY = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

const SWEEP = [100, 100];
const SHOTS = 10_000;
const NOOP_LEGS = 10_000;
const LOCAL_LEGS = 1_000;
const LOCAL_FPS = 250;
const REMOTE_CASES = [
  { steps: 300, concurrency: 60, perSecond: 50, taskMs: 10_000, pollMs: 250, binds: 'tasks in flight' },
  { steps: 300, concurrency: 100, perSecond: 8, taskMs: 10_000, pollMs: 500, binds: 'the submission rate' },
];
const REPEATS = 3;

/** Wall time and peak memory of one CLI command, in `cwd`. */
function cli(args, cwd) {
  const rssFile = join(cwd, '.rss');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', RSS_HOOK, BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, VIDRECIPE_BENCH_RSS: rssFile } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`vidrecipe ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).slice(-2000)}`);
  return { ms, rssKb: Number(readFileSync(rssFile, 'utf8')), stdout: r.stdout };
}

function medianOf(runs) {
  return { ms: median(runs.map((r) => r.ms)), rssKb: median(runs.map((r) => r.rssKb)), stdout: runs[0].stdout };
}

export function frontEnd() {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-bench-batch-'));
  try {
    copyFileSync(CLIP, join(dir, 'clip.mp4'));
    copyFileSync(MASK, join(dir, 'mask.mp4'));
    mkdirSync(join(dir, 'clips'));
    for (let i = 0; i < 10; i++) copyFileSync(CLIP, join(dir, 'clips', `shot-${i}.mp4`));
    writeFileSync(join(dir, 'sweep.yaml'), sweepRecipe(...SWEEP));
    writeFileSync(join(dir, 'shots.yaml'), shotListRecipe());
    writeFileSync(join(dir, 'shots.csv'), shotList(SHOTS, 10));
    const commands = {
      help: ['--help'],
      validate: ['validate', 'sweep.yaml'],
      plan: ['plan', 'sweep.yaml', '--offline'],
      planJson: ['plan', 'sweep.yaml', '--offline', '--format', 'json'],
      shots: ['plan', 'shots.yaml'],
    };
    const runs = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (const args of Object.values(commands)) cli(args, dir); // warm the file cache
    // Interleaved, so load on the machine hits every command alike.
    for (let i = 0; i < REPEATS; i++) for (const [name, args] of Object.entries(commands)) runs[name].push(cli(args, dir));
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medianOf(v)]));
    const legs = JSON.parse(m.planJson.stdout).steps.length;
    if (legs !== SWEEP[0] * SWEEP[1]) throw new Error(`the sweep planned ${legs} legs, not ${SWEEP[0] * SWEEP[1]}`);
    if (!/remove ×10,?000/.test(m.shots.stdout)) throw new Error(`the shot list's plan does not count its legs:\n${m.shots.stdout.slice(0, 1000)}`);
    return m;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function engineOverhead() {
  const runs = [];
  for (let i = 0; i < REPEATS; i++) {
    const r = spawnSync(process.execPath, [ENGINE_CHILD, String(NOOP_LEGS), join(MEMORY, 'vidrecipe-bench-batch')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`batch engine bench failed: ${r.stderr}`);
    runs.push(JSON.parse(r.stdout));
  }
  const pick = (key) => median(runs.map((r) => r[key]));
  const legs = NOOP_LEGS + 1; // the fan-in step is a leg of the run too
  return { perLegMs: (pick('coldMs') - pick('bareMs')) / legs, cachedMs: pick('warmMs') / legs, rssKb: pick('maxRssKb'), baseKb: pick('baselineRssKb') };
}

/** A clip of `LOCAL_LEGS + 1` tiny frames, so each leg's tools do little and what is around them shows. */
function localClip(dir) {
  const file = join(dir, 'clip.mp4');
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=32x32:rate=${LOCAL_FPS}`, '-frames:v', String(LOCAL_LEGS + 1), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make the bench clip: ${r.error ?? r.stderr}`);
  return file;
}

function localChild(args) {
  const r = spawnSync(process.execPath, [LOCAL_CHILD, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`local leg bench (${args[0]} ${args[1]}) failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

export function localLegs() {
  const dir = mkdtempSync(join(MEMORY, 'vidrecipe-bench-legs-'));
  try {
    const clip = localClip(dir);
    const result = {};
    for (const [shape, recipe] of [['chain', chainRecipe], ['fanout', fanOutRecipe]]) {
      const work = join(dir, shape);
      mkdirSync(work);
      copyFileSync(clip, join(work, 'clip.mp4'));
      writeFileSync(join(work, 'r.yaml'), recipe(LOCAL_LEGS, LOCAL_FPS));
      const bare = localChild(['bare', shape, String(LOCAL_LEGS), String(LOCAL_FPS), clip, join(dir, `bare-${shape}`)]);
      const run = localChild(['run', join(work, 'r.yaml'), work]);
      const perLeg = (ms) => ms / LOCAL_LEGS;
      result[shape] = {
        bare: { ownMs: perLeg(bare.ownMs), toolsMs: perLeg(bare.toolsMs) },
        run: { ownMs: perLeg(run.ownMs), toolsMs: perLeg(run.toolsMs) },
        // What vidrecipe's own process spends per leg beyond what the bare loop's Node process spends
        // spawning and waiting for the same tools.
        addedMs: perLeg(run.ownMs - bare.ownMs),
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const fe = frontEnd();
  const engine = engineOverhead();
  const remote = [];
  for (const c of REMOTE_CASES) remote.push(await measureRemote(c, remoteBatchRecipe(c.steps)));
  const local = localLegs();
  const frontEndResults = Object.fromEntries(Object.entries(fe).map(([k, v]) => [k, { ms: v.ms, rssKb: v.rssKb }]));
  return render({ frontEnd: frontEndResults, engine, remote, local });
}

/** Writes the section from results `run` returned (JSON), without measuring again: `node bench/batches.js --render FILE`. */
export function render(results) {
  const { frontEnd: fe, engine, remote, local } = results;

  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
  const met = (ok) => (ok ? 'met' : '**missed**');
  const feRow = (what, r, target) => `| ${what} | ${s(r.ms)} | ${mb(r.rssKb)} | ${target ? met(r.ms < 2000) : 'for comparison'} |`;
  const held = (r) => r.maxInFlight <= r.concurrency && r.maxPerSecond <= r.perSecond && r.tasks === r.steps;
  const remoteRow = (r) =>
    `| ${r.steps} legs, ${r.concurrency} in flight, ${r.perSecond}/s, ${r.taskMs / 1000} s tasks, polled every ${r.pollMs} ms (bound by ${r.binds}) | ${s(bound(r))} | ${s(r.wallMs)} | **${(r.wallMs / bound(r)).toFixed(3)}×** | ${r.tasks} / ${r.maxInFlight} / ${r.maxPerSecond} | ${met(r.wallMs / bound(r) <= 1.05 && held(r))} |`;
  const ms = (v) => `${v.toFixed(1)} ms`;
  // An extra ffprobe per leg costs its tools about 30 ms (the fan-out's bare probes show it): half of that
  // tells one apart from the tools' own variation and from the few packets the kind check decodes.
  const noExtra = (r) => r.run.toolsMs - r.bare.toolsMs < 15;
  const localRow = (what, r) =>
    `| ${what} | ${ms(r.bare.ownMs)} | ${ms(r.run.ownMs)} | **${ms(r.addedMs)}** | ${ms(r.bare.toolsMs)} | ${ms(r.run.toolsMs)} | ${met(r.addedMs <= 10 && noExtra(r))} |`;
  writeSection(
    'batches',
    `## Batches

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

**Front end on a matrix of ${(SWEEP[0] * SWEEP[1]).toLocaleString('en')} legs** (CLI wall time including start-up, and the process's peak memory; target < 2 s)

| command | wall | peak memory | |
| --- | --- | --- | --- |
${feRow('`vidrecipe --help` (start-up alone)', fe.help)}
${feRow(`\`validate\` of a ${SWEEP[0]} × ${SWEEP[1]} sweep of local/transcode`, fe.validate, true)}
${feRow('`plan --offline` of it (text: one row for the matrix step)', fe.plan, true)}
${feRow('`plan --offline --format json` of it (every leg)', fe.planJson, true)}
${feRow(`\`plan\` of a ${SHOTS.toLocaleString('en')}-row shot list (CSV) through VOID, each leg priced`, fe.shots, true)}

Validation never expands a matrix (it checks each axis and each reference once); the plan expands it,
binds every leg's parameters, prices each leg and checks the cache for each. The shot list names 10
distinct clips, as the shots of one shoot share camera files: each is probed once. Medians of ${REPEATS}, interleaved.

**Engine overhead per leg** (target < 1 ms)

| ${NOOP_LEGS.toLocaleString('en')} legs that do no work, then one step reading all their outputs | overhead per leg | per cached leg | peak memory | |
| --- | --- | --- | --- | --- |
| one matrix step and its fan-in, state dir in memory | ${engine.perLegMs.toFixed(2)} ms | ${engine.cachedMs.toFixed(2)} ms | ${mb(engine.rssKb)} (idle process: ${mb(engine.baseKb)}) | ${met(engine.perLegMs < 1)} |

As "Engine: overhead per step" above, with the legs of one matrix step: (run time − the same executor
called directly once per leg) ÷ legs. Medians of ${REPEATS} fresh processes (bench/batches-engine-child.js).

**${REMOTE_CASES[0].steps} remote legs against the fake WaveSpeed under its account's limits** (target ≤ 1.05)

| case | bound | makespan (whole CLI run) | ratio | tasks / most in flight / submits in any 1 s | |
| --- | --- | --- | --- | --- | --- |
${remote.map(remoteRow).join('\n')}

One matrix step of VOID legs, each with its own prompt (so each is a task), run with \`vidrecipe run\` as in
"Scheduling efficiency" below, whose bound it shares; the fake counts what it received. Tasks take 10 s
and are polled every 250 or 500 ms, a real VOID task's minutes and the default 2 s poll scaled down
alike, so the fixed costs of a run (start-up, plan, the two uploads, the report) weigh about as they would.

**What a real local leg costs around its own work** (CPU per leg; target ≤ 10 ms)

| ${LOCAL_LEGS.toLocaleString('en')} legs of local/trim, CPU per leg | Node, bare | Node, vidrecipe | added by vidrecipe (target ≤ 10 ms) | tools, bare | tools, vidrecipe | |
| --- | --- | --- | --- | --- | --- | --- |
${localRow('a chain: each step trims the output of the one before', local.chain)}
${localRow('a fan-out: one matrix step, every leg trimming the same clip', local.fanout)}

CPU is user + system time of a side's own Node process ("Node") and of every process it started
(ffprobe, ffmpeg: "tools"), read after they exited. "Bare" runs, per leg, exactly the commands local/trim
runs — one ffprobe and one ffmpeg with the same arguments, through the same spawning functions — and nothing
else, as many at once as the engine runs local steps; "vidrecipe" is \`vidrecipe run\` without its report:
load, plan, the media and cache checks, the engine, the content store and the journal
(bench/batches-local-child.js). What vidrecipe adds is its Node process's time over the bare loop's, which
spawns and waits for the same tools; the target also needs its tools' time within 15 ms a leg of the bare
commands', as an extra ffprobe per leg costs about 30 ms there. The clip has ${LOCAL_LEGS + 1} frames of
32 × 32 at ${LOCAL_FPS} fps and each leg keeps one frame fewer than the last, so every leg reads a file no
other leg has read and the tools' own work stays small beside what is measured.

vidrecipe probes a file once, for the kind check, the leg and the plan alike. In the chain each leg reads a
new file, and that probe is the kind check's, which decodes the first packets (a damaged output fails at
the step that reads it): its tools' few extra ms. The fan-out's legs share one clip, probed once: one spawn
a leg where the bare loop makes two, which is why both its Node and its tools' time are below the bare ones.`,
  );
  return results;
}

// `node bench/batches.js --render FILE`: the section again from the JSON that `npm run bench` printed.
if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--render') render(JSON.parse(readFileSync(process.argv[3], 'utf8')));
