import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal, type JournalLine } from '../src/engine/journal.js';
import { ROOT, runCli, startCli, waitFor } from './support/cli.js';
import { makeClip, makeTmpDir, probeFile, removeDir } from './support/media.js';

let dir: string;

/** Two quick steps and one that takes about a second, so a test can stop the run while it works. */
const RECIPE = `version: 1
name: slow
inputs:
  clip: { type: video, default: clip.mp4 }
  long: { type: video, default: long.mp4 }
steps:
  first:
    uses: local/trim
    with: { video: "\${{ inputs.clip }}", duration: 0.5 }
  second:
    uses: local/extract-frame
    with: { video: "\${{ inputs.clip }}", at: last }
  big:
    uses: local/transcode
    with: { video: "\${{ inputs.long }}", width: 960, height: 720, fit: stretch }
  after:
    uses: local/concat
    with: { videos: ["\${{ steps.first.outputs.video }}", "\${{ steps.big.outputs.video }}"] }
outputs:
  video: \${{ steps.after.outputs.video }}
`;

function journals(): JournalLine[][] {
  const runs = join(dir, '.vidrecipe', 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs)
    .sort()
    .map((id) => (existsSync(join(runs, id, 'journal.jsonl')) ? readJournal(join(runs, id, 'journal.jsonl')) : []));
}

const latest = () => journals().at(-1) ?? [];
const has = (lines: JournalLine[], event: string, step?: string) => lines.some((l) => l.event === event && (!step || ('step' in l && l.step === step)));

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-interrupt-');
  await makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 10, duration: 1 });
  await makeClip(join(dir, 'long.mp4'), { width: 320, height: 240, fps: 30, duration: 8 });
  writeFileSync(join(dir, 'slow.yaml'), RECIPE);
}, 60_000);

afterAll(() => removeDir(dir));

describe('interrupted runs lose nothing', () => {
  it('kill -9 in the middle: the next run reuses every finished step and does only the rest', async () => {
    const child = startCli(['run', 'slow.yaml', '--json'], { cwd: dir });
    await waitFor(() => {
      const j = latest();
      return has(j, 'step-succeeded', 'first') && has(j, 'step-succeeded', 'second') && has(j, 'step-start', 'big') ? true : undefined;
    }, 20_000, 'the quick steps to finish');
    expect(has(latest(), 'step-succeeded', 'big')).toBe(false);
    child.kill('SIGKILL');
    expect(await child.exited).toBe(null);
    expect(has(latest(), 'run-end')).toBe(false);
    const killedRun = (latest()[0] as { run: string }).run;
    expect(existsSync(join(dir, '.vidrecipe', 'tmp', killedRun))).toBe(true);

    const again = runCli(['run', 'slow.yaml', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(Object.fromEntries(Object.entries(json.steps).map(([id, s]) => [id, (s as { status: string }).status]))).toEqual({ first: 'cached', second: 'cached', big: 'succeeded', after: 'succeeded' });
    expect((await probeFile(json.outputs.video)).width).toBe(64);
    // the dead run's half-written work is cleaned up; its finished steps were reused above
    expect(existsSync(join(dir, '.vidrecipe', 'tmp', killedRun))).toBe(false);
  });

  it('Ctrl-C stops scheduling, cancels the running step, writes journal and report, exits 130; the next run finishes', async () => {
    const child = startCli(['run', 'slow.yaml', '--no-cache'], { cwd: dir });
    await waitFor(() => (has(latest(), 'step-start', 'big') && has(latest(), 'step-succeeded', 'first') ? true : undefined), 20_000, 'big to start');
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    expect(child.output.stderr).toContain('stopping: cancelling running steps');
    expect(child.output.stderr).toMatch(/run \S+ interrupted/);
    const journal = latest();
    expect(journal.at(-1)).toMatchObject({ event: 'run-end', status: 'interrupted' });
    const runId = (journal[0] as { run: string }).run;
    const report = JSON.parse(readFileSync(join(dir, '.vidrecipe', 'runs', runId, 'report.json'), 'utf8'));
    expect(report.status).toBe('interrupted');
    expect(Object.fromEntries(report.steps.map((s: { id: string; status: string }) => [s.id, s.status]))).toMatchObject({ first: 'succeeded', big: 'cancelled', after: 'skipped' });
    expect(readFileSync(join(dir, '.vidrecipe', 'runs', runId, 'report.md'), 'utf8')).toContain('⏹️ interrupted');

    const again = runCli(['run', 'slow.yaml', '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).steps.first.status).toBe('cached');
  });
});

describe('remote steps across a crash', () => {
  const REMOTE = `version: 1
name: remote
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: clip.mp4, mask_video: clip.mp4, prompt: a table }
outputs:
  video: \${{ steps.remove.outputs.video }}
`;
  const runner = join(ROOT, 'test', 'support', 'remote-runner.mjs');
  const start = (tasks: string, ...args: string[]) => {
    const child = spawn(process.execPath, [runner, 'remote.yaml', ...args], { cwd: dir, env: { ...process.env, TASKS_DIR: tasks, WAVESPEED_API_KEY: 'secret-key-123' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    return { child, exited: new Promise<number | null>((r) => child.on('close', r)), stdout: () => stdout };
  };
  const submits = (tasks: string) => (existsSync(join(tasks, 'submits.log')) ? readFileSync(join(tasks, 'submits.log'), 'utf8').split('\n').filter(Boolean) : []);

  it('kill -9 while the task runs: the re-run re-attaches to the journaled task id instead of submitting again', async () => {
    writeFileSync(join(dir, 'remote.yaml'), REMOTE);
    const tasks = join(dir, 'tasks-a');
    (await import('node:fs')).mkdirSync(tasks);
    const first = start(tasks);
    await waitFor(() => (has(latest(), 'submitted', 'remove') ? true : undefined), 20_000, 'the submit');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(submits(tasks)).toEqual(['task-1']);

    writeFileSync(join(tasks, 'task-1.done'), '');
    const second = start(tasks);
    expect(await second.exited).toBe(0);
    const json = JSON.parse(second.stdout());
    expect(json.steps.remove).toMatchObject({ status: 'succeeded', task_id: 'task-1', cost_usd: 0.15 });
    expect(submits(tasks)).toEqual(['task-1']);
    expect(has(readJournal(join(json.report, 'journal.jsonl')), 'reattach', 'remove')).toBe(true);

    // and once finished, it is cached: no third task
    const third = start(tasks);
    expect(await third.exited).toBe(0);
    expect(JSON.parse(third.stdout()).steps.remove.status).toBe('cached');
    expect(submits(tasks)).toEqual(['task-1']);
    const state = join(dir, '.vidrecipe');
    for (const file of ['runs', 'cache/steps', 'tasks'].flatMap((d) => readdirSync(join(state, d), { recursive: true }).map((f) => join(state, d, String(f))))) {
      if (file.endsWith('.json') || file.endsWith('.jsonl') || file.endsWith('.md')) expect(readFileSync(file, 'utf8')).not.toContain('secret-key-123');
    }
  });
});
