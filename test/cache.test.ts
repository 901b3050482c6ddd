import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../src/engine/journal.js';
import { ROOT, runCli, startCli, waitFor } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

// `vidrecipe cache du|gc|verify` on state dirs made by real offline runs of two small recipes.

/** Two steps, the second reading the first: a leaf to damage and an upstream to keep. */
const recipe = (name: string, clip: string) => `version: 1
name: ${name}
steps:
  cut:
    uses: local/trim
    with: { video: ${clip}, duration: 0.5 }
  frame:
    uses: local/extract-frame
    with: { video: "\${{ steps.cut.outputs.video }}", at: last }
outputs:
  video: \${{ steps.cut.outputs.video }}
  still: \${{ steps.frame.outputs.image }}
`;

interface RunJson {
  run_id: string;
  status: string;
  steps: Record<string, { status: string }>;
}

interface Tally {
  count: number;
  bytes: number;
}

interface GcJson {
  dry_run: boolean;
  before_bytes: number;
  after_bytes: number;
  removed: Tally & { kinds: Record<string, Tally> };
  removed_items: { kind: string; path: string; bytes: number; last_used: string }[];
  kept_needed: { reason: string; why: string; total: Tally; kinds: Record<string, Tally> }[];
  runs_in_progress: { run?: string; pid: number }[];
  target_reached?: boolean;
  errors: string[];
}

interface DuJson {
  exists: boolean;
  files: number;
  bytes: number;
  kinds: { kind: string; path: string; items: number; files: number; bytes: number; linked_bytes: number }[];
}

let root: string;
/** A workspace where alpha ran and then, 3 s later, beta; `between` is a time between the two runs. */
let seed: { dir: string; alpha: string; beta: string; between: number };

beforeAll(async () => {
  root = await makeTmpDir('vidrecipe-cache-');
  await makeClip(join(root, 'a.mp4'), { width: 64, height: 48, fps: 10, duration: 1 });
  await makeClip(join(root, 'b.mp4'), { width: 48, height: 32, fps: 10, duration: 1, source: 'color', color: 'blue' });
  const dir = workspace('seed');
  const alpha = run(dir, 'alpha.yaml').run_id;
  await sleep(1500);
  const between = Date.now();
  await sleep(1500);
  seed = { dir, alpha, beta: run(dir, 'beta.yaml').run_id, between };
}, 120_000);

afterAll(() => removeDir(root));

/** A working directory with both recipes and their clips, and no state dir yet. */
function workspace(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const f of ['a.mp4', 'b.mp4']) copyFileSync(join(root, f), join(dir, f));
  writeFileSync(join(dir, 'alpha.yaml'), recipe('alpha', 'a.mp4'));
  writeFileSync(join(dir, 'beta.yaml'), recipe('beta', 'b.mp4'));
  return dir;
}

/** A copy of the seeded workspace, with its state dir's times and hard links as they were. */
function seeded(name: string): string {
  const dir = join(root, name);
  execFileSync('cp', ['-a', seed.dir, dir]);
  return dir;
}

function run(dir: string, file: string): RunJson & { statuses: Record<string, string> } {
  const result = runCli(['run', file, '--json'], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  const json = JSON.parse(result.stdout) as RunJson;
  return { ...json, statuses: Object.fromEntries(Object.entries(json.steps).map(([id, s]) => [id, s.status])) };
}

function gc(dir: string, args: string[]): GcJson & { code: number; stderr: string } {
  const result = runCli(['cache', 'gc', '--format', 'json', ...args], { cwd: dir });
  expect(result.stdout, result.stderr).not.toBe('');
  return { ...(JSON.parse(result.stdout) as GcJson), code: result.code, stderr: result.stderr };
}

const state = (dir: string, ...path: string[]) => join(dir, '.vidrecipe', ...path);
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** Each step's key in a run, from its journal. */
function keysOf(dir: string, runId: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const line of readJournal(state(dir, 'runs', runId, 'journal.jsonl'))) if (line.event === 'step-succeeded' || line.event === 'step-cached') keys[line.step] = line.key;
  return keys;
}

function record(dir: string, key: string): { outputs: Record<string, { digest: string }> } | undefined {
  const file = state(dir, 'cache', 'steps', `${key}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** Every step record left names blobs that are there: gc never leaves a record without its outputs. */
function expectRecordsWhole(dir: string): void {
  for (const file of list(state(dir, 'cache', 'steps'))) {
    const rec = JSON.parse(readFileSync(state(dir, 'cache', 'steps', file), 'utf8')) as { outputs: Record<string, { digest: string }> };
    for (const o of Object.values(rec.outputs)) expect(existsSync(state(dir, 'cache', 'objects', o.digest)), `${file} → ${o.digest}`).toBe(true);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('vidrecipe cache du', () => {
  it('counts every file of the state dir by kind, each byte once however many links it has', () => {
    const dir = workspace('du');
    const missing = runCli(['cache', 'du', '--format', 'json'], { cwd: dir });
    expect(missing.code).toBe(0);
    expect(JSON.parse(missing.stdout)).toMatchObject({ exists: false, files: 0, bytes: 0 });
    expect(runCli(['cache'], { cwd: dir }).stdout).toBe('no state dir at .vidrecipe yet: vidrecipe run writes one\n');

    const copy = seeded('du-seeded');
    const du = JSON.parse(runCli(['cache', 'du', '--format', 'json'], { cwd: copy }).stdout) as DuJson;
    // Counted here from the files themselves.
    const inodes = new Map<string, number>();
    const walk = (path: string): { files: number; bytes: number } => {
      let files = 0;
      let bytes = 0;
      for (const name of list(path)) {
        const full = join(path, name);
        const stat = statSync(full);
        if (stat.isDirectory()) {
          const inner = walk(full);
          files += inner.files;
          bytes += inner.bytes;
        } else {
          files++;
          bytes += stat.size;
          inodes.set(`${stat.dev}:${stat.ino}`, stat.size);
        }
      }
      return { files, bytes };
    };
    const all = walk(state(copy));
    expect(du.files).toBe(all.files);
    expect(du.bytes).toBe([...inodes.values()].reduce((a, b) => a + b, 0));
    const kind = (k: string) => du.kinds.find((x) => x.kind === k)!;
    for (const [k, path] of [['blobs', 'cache/objects'], ['step_records', 'cache/steps'], ['runs', 'runs'], ['previews', 'previews'], ['history', 'cache/history']] as const) {
      const counted = walk(state(copy, ...path.split('/')));
      expect(kind(k).files, k).toBe(counted.files);
      expect(kind(k).bytes + kind(k).linked_bytes, k).toBe(counted.bytes);
    }
    expect(kind('blobs').items).toBe(list(state(copy, 'cache', 'objects')).length);
    expect(kind('step_records').items).toBe(4);
    expect(kind('runs').items).toBe(2);
    expect(kind('previews').items).toBe(list(state(copy, 'previews')).length);
    // A report's media are hard links into blobs and previews: counted once, there.
    expect(kind('runs').linked_bytes).toBeGreaterThan(0);
    expect(kind('task_records')).toMatchObject({ files: 0, bytes: 0 });

    const text = runCli(['cache'], { cwd: copy });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^\.vidrecipe: [\d.]+ (KiB|MiB) in \d+ files\n\nKIND +PATH +ITEMS +FILES +SIZE\n/);
    expect(text.stdout).toMatch(new RegExp(`\\nblobs +cache/objects/ +${kind('blobs').items} +${kind('blobs').files} +`));
    expect(text.stdout).toMatch(/\nstep records +cache\/steps\/ +4 +4 +/);
    expect(text.stdout).toMatch(/\nruns +runs\/ +2 +\d+ +[\d.]+ \w+ \(\+ [\d.]+ \w+ linked\)/);
    expect(runCli(['cache', 'du', '--state-dir', 'elsewhere', '--format', 'json'], { cwd: copy }).stdout).toContain('"exists": false');
  }, 120_000);
});

describe('vidrecipe cache gc', () => {
  it('by age: removes the records, blobs, runs and previews last used before the cutoff; the next runs reuse what was kept and recompute the rest', async () => {
    const dir = seeded('age');
    const alphaKeys = Object.values(keysOf(dir, seed.alpha));
    const betaKeys = Object.values(keysOf(dir, seed.beta));
    const before = list(state(dir, 'cache', 'objects'));

    const age = `${Date.now() - seed.between}ms`;
    const dry = gc(dir, ['--older-than', age, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.dry_run).toBe(true);
    expect(list(state(dir, 'cache', 'objects'))).toEqual(before);
    expect(existsSync(state(dir, 'runs', seed.alpha))).toBe(true);

    const done = gc(dir, ['--older-than', age]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.removed.kinds.step_records?.count).toBe(2);
    expect(done.removed.kinds.runs?.count).toBe(1);
    expect(done.removed.kinds.blobs?.count).toBeGreaterThanOrEqual(2);
    expect(done.removed_items.map((i) => i.path).sort()).toEqual(dry.removed_items.map((i) => i.path).sort());
    expect(done.removed.bytes).toBe(done.before_bytes - done.after_bytes);
    for (const key of alphaKeys) expect(record(dir, key), key).toBeUndefined();
    for (const key of betaKeys) expect(record(dir, key), key).toBeDefined();
    expect(list(state(dir, 'runs'))).toEqual([seed.beta]);
    expectRecordsWhole(dir);
    const du = JSON.parse(runCli(['cache', 'du', '--format', 'json'], { cwd: dir }).stdout) as DuJson;
    expect(du.bytes).toBe(done.after_bytes);

    expect(run(dir, 'beta.yaml').statuses).toEqual({ cut: 'cached', frame: 'cached' });
    expect(run(dir, 'alpha.yaml').statuses).toEqual({ cut: 'succeeded', frame: 'succeeded' });

    const text = runCli(['cache', 'gc', '--older-than', '30d'], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Nothing to remove from \.vidrecipe \([\d.]+ \w+\): nothing unneeded was last used more than 30d ago\.\n$/);
  }, 120_000);

  it('by size: removes the least recently used first until the state dir fits, never a record without its blobs', async () => {
    const dir = seeded('size');
    const alphaKeys = keysOf(dir, seed.alpha);
    const betaKeys = keysOf(dir, seed.beta);
    const total = (JSON.parse(runCli(['cache', 'du', '--format', 'json'], { cwd: dir }).stdout) as DuJson).bytes;
    const limit = Math.floor(total / 2);

    const done = gc(dir, ['--max-size', String(limit)]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.target_reached).toBe(true);
    expect(done.after_bytes).toBeLessThanOrEqual(limit);
    const du = JSON.parse(runCli(['cache', 'du', '--format', 'json'], { cwd: dir }).stdout) as DuJson;
    expect(du.bytes).toBe(done.after_bytes);
    // Oldest first: the first run's report goes before anything of the second run.
    expect(existsSync(state(dir, 'runs', seed.alpha))).toBe(false);
    const keptAlpha = Object.values(alphaKeys).filter((k) => record(dir, k));
    const removedBeta = Object.values(betaKeys).filter((k) => !record(dir, k));
    if (removedBeta.length) expect(keptAlpha).toEqual([]);
    const removedTimes = done.removed_items.map((i) => Date.parse(i.last_used));
    if (existsSync(state(dir, 'runs', seed.beta))) {
      const betaEnd = statSync(state(dir, 'runs', seed.beta, 'report.json')).mtimeMs;
      for (const t of removedTimes) expect(t).toBeLessThanOrEqual(betaEnd);
    }
    expectRecordsWhole(dir);

    // The next runs reuse each kept step whose upstream was kept, and recompute each removed one.
    for (const [file, keys] of [['alpha.yaml', alphaKeys], ['beta.yaml', betaKeys]] as const) {
      const kept = Object.fromEntries(Object.entries(keys).map(([step, key]) => [step, record(dir, key) !== undefined]));
      const again = run(dir, file).statuses;
      if (!kept.cut) expect(again.cut).toBe('succeeded');
      if (kept.cut) expect(again.cut).toBe('cached');
      if (!kept.frame) expect(again.frame).toBe('succeeded');
      if (kept.cut && kept.frame) expect(again.frame).toBe('cached');
    }
  }, 120_000);

  it('never removes a recorded remote task, nor what the runs that submitted it computed', () => {
    const dir = seeded('task');
    const keys = keysOf(dir, seed.alpha);
    const task = { key: keys.cut, step: 'cut', run: seed.alpha, backend: 'wavespeed', model: 'wavespeed-ai/void-video-inpainting/mask', state: 'submitted', taskId: 'task-7f3a', intentAt: new Date().toISOString(), submittedAt: new Date().toISOString(), host: hostname() };
    mkdirSync(state(dir, 'tasks'));
    const taskFile = state(dir, 'tasks', `${keys.cut}.json`);
    writeFileSync(taskFile, JSON.stringify(task));
    // A damaged task record may stand for a paid task as well.
    const damaged = state(dir, 'tasks', `${'e'.repeat(64)}.json`);
    writeFileSync(damaged, '{"taskId": "task-9');
    const betaKeys = Object.values(keysOf(dir, seed.beta));
    const alphaBlobs = Object.values(keys).flatMap((k) => Object.values(record(dir, k)!.outputs).map((o) => o.digest));

    const done = gc(dir, ['--older-than', '0s']);
    expect(done.code, done.stderr).toBe(0);
    expect(readFileSync(taskFile, 'utf8')).toBe(JSON.stringify(task));
    expect(readFileSync(damaged, 'utf8')).toBe('{"taskId": "task-9');
    for (const key of Object.values(keys)) expect(record(dir, key), key).toBeDefined();
    for (const digest of alphaBlobs) expect(existsSync(state(dir, 'cache', 'objects', digest))).toBe(true);
    expect(existsSync(state(dir, 'runs', seed.alpha, 'journal.jsonl'))).toBe(true);
    // What nothing needs went.
    for (const key of betaKeys) expect(record(dir, key), key).toBeUndefined();
    expect(list(state(dir, 'runs'))).toEqual([seed.alpha]);
    expectRecordsWhole(dir);

    const kept = done.kept_needed.find((g) => g.reason === 'task')!;
    expect(kept.kinds).toMatchObject({ task_records: { count: 2 }, step_records: { count: 2 }, runs: { count: 1 } });
    expect(kept.kinds.blobs?.count).toBeGreaterThanOrEqual(2);
    expect(kept.why).toContain('task task-7f3a');

    const text = runCli(['cache', 'gc', '--older-than', '0s'], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Nothing to remove from \.vidrecipe \([\d.]+ \w+\): nothing unneeded was last used more than 0s ago\.\nKept because still needed:\n {2}2 task records, 2 step records, \d+ blobs and 1 run \([\d.]+ \w+\): 2 remote tasks have not finished \(step "cut" on wavespeed, task task-7f3a, run \S+; step "\?", submit of unknown outcome\): their records in tasks\/ and what their runs computed stay, so the next run re-attaches instead of paying again\n/);
  }, 120_000);

  it('leaves the cache whole while a run is in progress (its work folder, its journal, or a step lock it holds), and removes a dead run\'s work folder', () => {
    const dir = seeded('live');
    const blobs = list(state(dir, 'cache', 'objects'));
    const records = list(state(dir, 'cache', 'steps'));
    const previews = list(state(dir, 'previews'));
    const dead = state(dir, 'tmp', '20200101-000000-000-dead');
    const cases: [string, () => () => void][] = [
      [
        'a live work folder and journal',
        () => {
          // This test's own process stands for the run: it is alive while gc looks.
          const id = '20990101-000000-000-beef';
          mkdirSync(state(dir, 'tmp', id, 'media'), { recursive: true });
          writeFileSync(state(dir, 'tmp', id, '.owner.json'), JSON.stringify({ pid: process.pid, host: hostname() }));
          mkdirSync(state(dir, 'runs', id));
          writeFileSync(state(dir, 'runs', id, 'journal.jsonl'), `${JSON.stringify({ t: new Date().toISOString(), event: 'run-start', run: id, recipe: 'alpha.yaml', steps: ['cut'], pid: process.pid })}\n`);
          return () => {
            expect(existsSync(state(dir, 'tmp', id, '.owner.json'))).toBe(true);
            expect(existsSync(state(dir, 'runs', id, 'journal.jsonl'))).toBe(true);
            rmSync(state(dir, 'tmp', id), { recursive: true });
            rmSync(state(dir, 'runs', id), { recursive: true });
          };
        },
      ],
      [
        'a step lock held',
        () => {
          mkdirSync(state(dir, 'locks'), { recursive: true });
          const lock = state(dir, 'locks', `${'a'.repeat(64)}.lock`);
          writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), run: '20990101-000000-000-cafe', at: new Date().toISOString(), token: 't', leaseMs: 60_000, renewedAt: new Date().toISOString() }));
          return () => {
            expect(existsSync(lock)).toBe(true);
            rmSync(lock);
          };
        },
      ],
    ];
    for (const [what, start] of cases) {
      // A run killed with -9 left its work folder: garbage, whatever its age.
      mkdirSync(dead, { recursive: true });
      writeFileSync(join(dead, '.owner.json'), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname() }));
      writeFileSync(join(dead, 'half.mp4'), 'half-written');
      const end = start();
      const done = gc(dir, ['--older-than', '0s']);
      expect(done.code, `${what}: ${done.stderr}`).toBe(0);
      expect(list(state(dir, 'cache', 'objects')), what).toEqual(blobs);
      expect(list(state(dir, 'cache', 'steps')), what).toEqual(records);
      expect(list(state(dir, 'previews')), what).toEqual(previews);
      expect(existsSync(dead), what).toBe(false);
      expect(done.runs_in_progress.length, what).toBeGreaterThan(0);
      const kept = done.kept_needed.find((g) => g.reason === 'run-in-progress')!;
      expect(kept.kinds.step_records?.count, what).toBe(4);
      expect(kept.why, what).toMatch(/in progress \(run 20990101-000000-000-(beef|cafe) \(pid \d+\), seen in (tmp|locks)\//);
      end();
    }
    // A finished run's folder may go meanwhile: nothing in progress reads it.
    expect(existsSync(state(dir, 'runs', seed.alpha))).toBe(false);

    // Once nothing is in progress, the same gc removes the rest.
    const done = gc(dir, ['--older-than', '0s']);
    expect(done.runs_in_progress).toEqual([]);
    expect(list(state(dir, 'cache', 'steps'))).toEqual([]);
    expect(list(state(dir, 'cache', 'objects'))).toEqual([]);
    expect(list(state(dir, 'previews'))).toEqual([]);
  }, 120_000);

  it('takes a gc lock: a second gc refuses, and a run starting meanwhile waits for it before reading the cache', async () => {
    const dir = seeded('lock');
    const lock = state(dir, 'locks', 'gc.lock');
    mkdirSync(state(dir, 'locks'), { recursive: true });
    const now = new Date().toISOString();
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), at: now, renewedAt: now, token: 'other-gc' }));

    const refused = runCli(['cache', 'gc'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`vidrecipe: another vidrecipe cache gc (pid ${process.pid} on ${hostname()}, since ${now}) is cleaning this state dir; wait for it to finish, then run gc again\n`);
    expect(runCli(['cache', 'gc', '--dry-run'], { cwd: dir }).code).toBe(0);

    const runsBefore = list(state(dir, 'runs'));
    const child = startCli(['run', 'alpha.yaml', '--json'], { cwd: dir });
    await waitFor(() => (child.output.stderr.includes('waiting for vidrecipe cache gc') ? true : undefined), 20_000, 'the run to wait');
    expect(child.output.stderr).toContain(`vidrecipe: waiting for vidrecipe cache gc (pid ${process.pid}) to finish cleaning the state dir\n`);
    await sleep(500);
    expect(list(state(dir, 'runs'))).toEqual(runsBefore);
    // It announced itself, so a gc taking the lock now would keep the cache whole.
    expect(list(state(dir, 'tmp')).some((e) => e.startsWith('in-use-'))).toBe(true);
    rmSync(lock);
    expect(await child.exited).toBe(0);
    expect((JSON.parse(child.output.stdout) as RunJson).status).toBe('succeeded');
    expect(list(state(dir, 'tmp'))).toEqual([]);

    // A lock left by a gc that died is taken over.
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), at: now, renewedAt: now, token: 'dead-gc' }));
    const after = gc(dir, ['--older-than', '30d']);
    expect(after.code, after.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
  }, 120_000);

  it('says how to write --older-than and --max-size', () => {
    const dir = workspace('usage');
    const age = runCli(['cache', 'gc', '--older-than', '30'], { cwd: dir });
    expect(age.code).toBe(2);
    expect(age.stderr).toBe('vidrecipe: --older-than 30: give an age with its unit, e.g. --older-than 30d (units s, m, h, d, w: 12h, 90m, 2w, 1d12h)\n');
    const size = runCli(['cache', 'gc', '--max-size', 'lots'], { cwd: dir });
    expect(size.code).toBe(2);
    expect(size.stderr).toBe('vidrecipe: --max-size lots: give a size, e.g. --max-size 5GB (or 500MB, 2GiB, a number of bytes)\n');
    // Nothing to clean is not an error, and no state dir is created for it.
    expect(runCli(['cache', 'gc'], { cwd: dir }).code).toBe(0);
    expect(existsSync(state(dir))).toBe(false);
  });
});

describe('vidrecipe cache verify', () => {
  it('finds a flipped byte, sets the blob aside, exits 1; the next run recomputes that step', () => {
    const dir = seeded('verify');
    const alpha = { run_id: seed.alpha };
    const clean = runCli(['cache', 'verify'], { cwd: dir });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/^checked \d+ blobs \([\d.]+ \w+\), 4 step records, 0 upload URL records and 0 task records in \.vidrecipe: all sound\.\n$/);

    const keys = keysOf(dir, alpha.run_id);
    const digest = record(dir, keys.frame!)!.outputs.image!.digest;
    const blob = state(dir, 'cache', 'objects', digest);
    const bytes = readFileSync(blob);
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0x01;
    writeFileSync(blob, bytes);

    const found = runCli(['cache', 'verify', '--format', 'json'], { cwd: dir });
    expect(found.code).toBe(1);
    const report = JSON.parse(found.stdout) as { ok: boolean; damaged_blobs: { digest: string; moved_to: string }[]; broken_steps: { step: string; problem: string; removed: boolean }[] };
    expect(report.ok).toBe(false);
    expect(report.damaged_blobs.map((b) => b.digest)).toEqual([digest]);
    expect(report.damaged_blobs[0]!.moved_to).toMatch(new RegExp(`^quarantine/cache/objects/${digest}\\.`));
    expect(readFileSync(state(dir, ...report.damaged_blobs[0]!.moved_to.split('/')))).toEqual(bytes);
    expect(existsSync(blob)).toBe(false);
    expect(report.broken_steps).toEqual([expect.objectContaining({ step: 'frame', problem: 'damaged', removed: true })]);
    expect(record(dir, keys.frame!)).toBeUndefined();
    expect(record(dir, keys.cut!)).toBeDefined();

    // Set aside and dropped: the state dir is sound again, and the next run recomputes only that step.
    expect(runCli(['cache', 'verify'], { cwd: dir }).code).toBe(0);
    expect(run(dir, 'alpha.yaml').statuses).toEqual({ cut: 'cached', frame: 'succeeded' });
    expect(existsSync(blob)).toBe(true);

    // A missing blob, in text.
    rmSync(state(dir, 'cache', 'objects', record(dir, keys.cut!)!.outputs.video!.digest));
    const missing = runCli(['cache', 'verify'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`step "cut" (run ${alpha.run_id}, record cache/steps/${keys.cut}.json): its output video is missing; record removed: the next run computes the step again\n`);
    expect(missing.stdout).toMatch(/found 1 step record without its outputs\./);
  }, 120_000);
});

describe('the commands docs/running.md shows', () => {
  it('run as written', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'running.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Cache and state'));
    const commands = [...section.slice(0, section.indexOf('\n## ')).matchAll(/^npx vidrecipe (cache[^#\n]*?)\s*(?:#.*)?$/gm)].map((m) => m[1]!.trim().split(/\s+/));
    expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual(expect.arrayContaining(['cache', 'cache du', 'cache gc', 'cache verify']));
    const dir = seeded('docs');
    for (const args of commands) {
      const result = runCli(args, { cwd: dir });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
  }, 120_000);
});
