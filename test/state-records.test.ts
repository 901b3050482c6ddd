import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256File } from '../src/engine/hash.js';
import { runCli, startCli } from './support/cli.js';
import { startFakeWaveSpeed, type FakeProvider } from './support/fake-providers/index.mjs';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

// Damaged state files of every kind: each is set aside (never deleted) with a warning naming it, and
// the run goes on instead of failing on it forever.

const WS_KEY = 'ws-state-key-77a1';

let root: string;
let ws: FakeProvider;
let clipDigest: string;

interface RunJson {
  status: string;
  steps: Record<string, { status: string; task_id?: string; error?: string }>;
}

const LOCAL = `version: 1
name: local-trim
steps:
  cut:
    uses: local/trim
    with: { video: clip.mp4, duration: 0.5 }
outputs:
  video: \${{ steps.cut.outputs.video }}
`;

const remote = (prompt: string) => `version: 1
name: remote
steps:
  s0:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "${prompt}" }
`;

function workspace(recipe: string): string {
  const dir = join(root, `w${readdirSync(root).length}`);
  mkdirSync(dir);
  for (const f of ['clip.mp4', 'mask.mp4']) copyFileSync(join(root, f), join(dir, f));
  writeFileSync(join(dir, 'recipe.yaml'), recipe);
  writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'wavespeed:\n  poll_interval: 40ms\n  rate: 100/s\n  concurrency: 8\n');
  return dir;
}

/** Runs the CLI without blocking this process: the fake server lives here and must keep answering. */
async function run(dir: string, args: string[] = []) {
  const child = startCli(['run', 'recipe.yaml', '--json', ...args], { cwd: dir, env: { WAVESPEED_BASE_URL: ws.url, WAVESPEED_API_KEY: WS_KEY } });
  const code = await child.exited;
  const json = child.output.stdout.trim() ? (JSON.parse(child.output.stdout) as RunJson) : undefined;
  return { code, json, stderr: child.output.stderr };
}

/** The one step key a workspace's state dir has a record of. */
function onlyKey(dir: string): string {
  const [file] = readdirSync(join(dir, '.vidrecipe', 'cache', 'steps')).filter((f) => f.endsWith('.json'));
  return file!.slice(0, -'.json'.length);
}

/** Files set aside in the quarantine, by their path in the state dir. */
function quarantined(dir: string): string[] {
  const q = join(dir, '.vidrecipe', 'quarantine');
  if (!existsSync(q)) return [];
  return (readdirSync(q, { recursive: true }) as string[]).filter((f) => /\.\d{8}T/.test(f)).map((f) => f.replace(/\\/g, '/'));
}

const submits = () => ws.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v3/wavespeed-ai'));

beforeAll(async () => {
  root = await makeTmpDir('vidrecipe-state-');
  await makeClip(join(root, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
  await makeClip(join(root, 'mask.mp4'), { width: 64, height: 48, fps: 16, duration: 1, source: 'color', color: 'white' });
  clipDigest = await sha256File(join(root, 'clip.mp4'));
  ws = await startFakeWaveSpeed({ apiKey: WS_KEY, concurrency: 8, taskMs: 100 });
}, 60_000);

afterAll(async () => {
  await ws?.close();
  await removeDir(root);
});

beforeEach(() => ws.reset());

describe('a damaged record is set aside, and the run goes on', () => {
  it('a step record without outputs: plan and run go on, the step is computed again, the record kept in quarantine', () => {
    const dir = workspace(LOCAL);
    expect(runCli(['run', 'recipe.yaml', '--json'], { cwd: dir }).code).toBe(0);
    const key = onlyKey(dir);
    const file = join(dir, '.vidrecipe', 'cache', 'steps', `${key}.json`);
    const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete record.outputs;
    writeFileSync(file, JSON.stringify(record));

    const plan = runCli(['plan', 'recipe.yaml', '--format', 'json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as { steps: { cached: boolean }[] }).steps[0]!.cached).toBe(false);
    // plan only reads: the record is where it was
    expect(existsSync(file)).toBe(true);

    const again = runCli(['run', 'recipe.yaml', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as RunJson).steps.cut!.status).toBe('succeeded');
    expect(again.stderr).toContain(`.vidrecipe/cache/steps/${key}.json`);
    expect(again.stderr).toMatch(/"outputs" is missing/);
    expect(again.stderr).not.toMatch(/Cannot convert|TypeError|    at /);
    expect(quarantined(dir)).toEqual([expect.stringMatching(new RegExp(`^cache/steps/${key}\\.json\\.`))]);
    // the record written in its place is sound: the third run is served from the cache
    const third = runCli(['run', 'recipe.yaml', '--json'], { cwd: dir });
    expect((JSON.parse(third.stdout) as RunJson).steps.cut!.status).toBe('cached');
  }, 60_000);

  it('a url record holding {}: set aside, the content uploaded again', async () => {
    const dir = workspace(remote('first'));
    expect((await run(dir)).code).toBe(0);
    const urls = join(dir, '.vidrecipe', 'cache', 'urls', `${clipDigest}.json`);
    expect(existsSync(urls)).toBe(true);
    writeFileSync(urls, '{}');
    writeFileSync(join(dir, 'recipe.yaml'), remote('second'));
    ws.reset();
    const second = await run(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`.vidrecipe/cache/urls/${clipDigest}.json`);
    expect(second.stderr).not.toMatch(/is not a function/);
    expect(quarantined(dir)).toEqual([expect.stringMatching(/^cache\/urls\//)]);
    expect(ws.requests.filter((r) => r.path.startsWith('/api/v3/media/upload')).length).toBeGreaterThan(0);
  }, 60_000);

  it('a garbage lock file: set aside once it is clearly abandoned, and the step runs', async () => {
    const dir = workspace(remote('locked'));
    expect((await run(dir)).code).toBe(0);
    const key = onlyKey(dir);
    const lock = join(dir, '.vidrecipe', 'locks', `${key}.lock`);
    mkdirSync(join(dir, '.vidrecipe', 'locks'), { recursive: true });
    writeFileSync(lock, 'garbage{');
    const past = new Date(Date.now() - 60_000);
    utimesSync(lock, past, past);
    const second = await run(dir, ['--force', 's0']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json!.steps.s0!.status).toBe('succeeded');
    expect(second.stderr).toContain(`.vidrecipe/locks/${key}.lock`);
    expect(second.stderr).toMatch(/not JSON/);
    expect(second.stderr).not.toMatch(/Unexpected token/);
    expect(quarantined(dir)).toEqual([expect.stringMatching(/^locks\//)]);
  }, 60_000);

  it('a task record {"state":"intent"}: never dropped silently; the submit counts as one of unknown outcome until --force', async () => {
    const dir = workspace(remote('intent'));
    expect((await run(dir)).code).toBe(0);
    const key = onlyKey(dir);
    // The result is forgotten, and a damaged record of a submit is all that is left.
    const record = join(dir, '.vidrecipe', 'cache', 'steps', `${key}.json`);
    const task = join(dir, '.vidrecipe', 'tasks', `${key}.json`);
    mkdirSync(join(dir, '.vidrecipe', 'tasks'), { recursive: true });
    writeFileSync(task, '{"state":"intent"}');
    writeFileSync(record, '');
    ws.reset();

    const second = await run(dir);
    expect(second.code).toBe(1);
    expect(submits()).toHaveLength(0);
    expect(second.stderr).toContain(`.vidrecipe/tasks/${key}.json`);
    expect(second.stderr).toMatch(/no readable task id/);
    expect(second.stderr).toMatch(/check wavespeed's task list/);
    expect(second.json!.steps.s0!.error).toMatch(/--force s0/);
    expect(second.json!.steps.s0!.error).not.toMatch(/undefined/);
    expect(quarantined(dir).filter((f) => f.startsWith('tasks/'))).toHaveLength(1);

    // Still refused without --force (the rebuilt record is sound), and --force submits once.
    expect((await run(dir)).code).toBe(1);
    expect(submits()).toHaveLength(0);
    const forced = await run(dir, ['--force', 's0']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(submits()).toHaveLength(1);
  }, 60_000);

  it('a damaged task record that still names its task id: re-attached to, not paid again', async () => {
    const dir = workspace(remote('reattach'));
    const first = await run(dir);
    expect(first.code).toBe(0);
    const taskId = first.json!.steps.s0!.task_id!;
    const key = onlyKey(dir);
    writeFileSync(join(dir, '.vidrecipe', 'cache', 'steps', `${key}.json`), '');
    mkdirSync(join(dir, '.vidrecipe', 'tasks'), { recursive: true });
    writeFileSync(join(dir, '.vidrecipe', 'tasks', `${key}.json`), JSON.stringify({ state: 'submitted', taskId }));
    ws.reset();

    const second = await run(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json!.steps.s0!.task_id).toBe(taskId);
    expect(submits()).toHaveLength(0);
    expect(second.stderr).toContain(`task id ${taskId}`);
    expect(second.stderr).toMatch(/--force s0 to submit anew/);
  }, 60_000);
});

describe('values read from the state dir never become paths unchecked', () => {
  it('a step record whose digest is ../../../victim.txt: the victim survives, the record is set aside', () => {
    const dir = workspace(LOCAL);
    expect(runCli(['run', 'recipe.yaml', '--json'], { cwd: dir }).code).toBe(0);
    const key = onlyKey(dir);
    const file = join(dir, '.vidrecipe', 'cache', 'steps', `${key}.json`);
    const record = JSON.parse(readFileSync(file, 'utf8')) as { outputs: Record<string, { digest: string }> };
    // cache/objects/../../../victim.txt is the workspace's victim.txt
    record.outputs.video!.digest = '../../../victim.txt';
    writeFileSync(file, JSON.stringify(record));
    writeFileSync(join(dir, 'victim.txt'), 'precious');

    expect(runCli(['plan', 'recipe.yaml'], { cwd: dir }).code).toBe(0);
    const again = runCli(['run', 'recipe.yaml', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'victim.txt'), 'utf8')).toBe('precious');
    expect((JSON.parse(again.stdout) as RunJson).steps.cut!.status).toBe('succeeded');
    expect(again.stderr).toMatch(/output "video" has no sha256 digest/);
    expect(quarantined(dir)).toHaveLength(1);
  }, 60_000);
});

describe('a lock of another machine', () => {
  /** A lock file as a run on another machine leaves it. */
  function foreignLock(dir: string, renewedAt: Date, leaseMs: number): string {
    const key = onlyKey(dir);
    mkdirSync(join(dir, '.vidrecipe', 'locks'), { recursive: true });
    const at = renewedAt.toISOString();
    writeFileSync(join(dir, '.vidrecipe', 'locks', `${key}.lock`), JSON.stringify({ pid: 4242, host: 'ci-runner-elsewhere', run: '20250101-000000-000-abcd', at, token: 'theirs', leaseMs, renewedAt: at }));
    return key;
  }

  it('restored with the state dir (its lease ran out long ago) does not block run: it is taken over at once', async () => {
    const dir = workspace(remote('restored'));
    expect((await run(dir)).code).toBe(0);
    foreignLock(dir, new Date(Date.now() - 3600_000), 60_000);
    const second = await run(dir, ['--force', 's0']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/took over the lock of run 20250101-000000-000-abcd \(pid 4242 on ci-runner-elsewhere\): its lease ran out at /);
    expect(second.json!.steps.s0!.status).toBe('succeeded');
  }, 60_000);

  it('whose holder stopped renewing it is waited for until its lease runs out, then taken over', async () => {
    const dir = workspace(remote('stalled'));
    expect((await run(dir)).code).toBe(0);
    foreignLock(dir, new Date(), 2000);
    const started = Date.now();
    const second = await run(dir, ['--force', 's0']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/took over the lock .*: it was not renewed for \d+ s \(its lease is 2 s\)/);
    expect(second.json!.steps.s0!.status).toBe('succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  }, 60_000);
});

describe('a state dir committed to the repository', () => {
  /** A workspace whose state dir names an open task (as a teammate's commit would bring it), tracked by git. */
  async function committedTask(prompt: string) {
    const dir = workspace(remote(prompt));
    const first = await run(dir);
    expect(first.code).toBe(0);
    const taskId = first.json!.steps.s0!.task_id!;
    const key = onlyKey(dir);
    rmSync(join(dir, '.vidrecipe', 'cache', 'steps', `${key}.json`));
    mkdirSync(join(dir, '.vidrecipe', 'tasks'), { recursive: true });
    const at = new Date().toISOString();
    const record = { key, step: 's0', run: '20250101-000000-000-abcd', backend: 'wavespeed', model: 'wavespeed-ai/void-video-inpainting/mask', state: 'submitted', taskId, intentAt: at, submittedAt: at, host: 'a-teammates-laptop' };
    writeFileSync(join(dir, '.vidrecipe', 'tasks', `${key}.json`), JSON.stringify(record));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-f', '.vidrecipe/tasks', 'recipe.yaml');
    ws.reset();
    return { dir, taskId };
  }

  it('is warned about once, and a task id it names is re-attached to only with a notice naming the task, the provider and --force', async () => {
    const { dir, taskId } = await committedTask('committed');
    const plan = runCli(['plan', 'recipe.yaml'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stderr).toMatch(/state dir \.vidrecipe may hold records this user did not write: it is tracked by git \(1 file, e\.g\. \.vidrecipe\/tasks\//);
    const second = await run(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr.match(/may hold records this user did not write: it is tracked by git/g)).toHaveLength(1);
    expect(second.stderr).toMatch(/add \.vidrecipe\/ to \.gitignore/);
    expect(second.stderr).toContain(`re-attaching to task ${taskId} on wavespeed`);
    expect(second.stderr).toMatch(/--force s0 to submit anew/);
    expect(second.json!.steps.s0!.task_id).toBe(taskId);
    expect(submits()).toHaveLength(0);
  }, 60_000);

  it('--force STEP submits anew instead of re-attaching to the task it names', async () => {
    const { dir, taskId } = await committedTask('refused');
    const forced = await run(dir, ['--force', 's0']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`not re-attaching to task ${taskId}`);
    expect(submits()).toHaveLength(1);
    expect(forced.json!.steps.s0!.task_id).not.toBe(taskId);
  }, 60_000);

  it('a task record written on another machine is re-attached to with a notice, even when not committed', async () => {
    const { dir, taskId } = await committedTask('elsewhere');
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    const second = await run(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/tracked by git/);
    expect(second.stderr).toContain(`re-attaching to task ${taskId} on wavespeed, named by a record written on another machine (a-teammates-laptop)`);
    expect(submits()).toHaveLength(0);
  }, 60_000);
});
