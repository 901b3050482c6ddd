import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './support/cli.js';
import { useFakeProviders } from './support/fake-pair.js';
import type { FaultRule, FakeProvider, LoggedRequest } from './support/fake-providers/index.mjs';
import { openFleetGround, type FleetGround } from './support/fleet-ground.js';
import { eventually, type TestFleet } from './support/test-fleet.mjs';
import { probeFile } from './support/media.js';

// kill -9 of a worker in each phase of a remote step, on the real services: another worker takes the step
// over when its lease runs out, re-attaches to a task by the id PostgreSQL kept, and never submits twice.

const WS_KEY = 'ws-kill-key-0d3e';
const fakes = useFakeProviders({ wsKey: WS_KEY, dsKey: 'sk-unused', concurrency: 20, taskMs: 400, resetEach: false });
const LEASE = '3s';
/** Long enough that the worker is surely killed while the request hangs. */
const HANG_MS = 6_000;

let ground: FleetGround;
let fleet: TestFleet;
const children: ReturnType<typeof startCli>[] = [];

interface RunJson {
  status: string;
  cost_usd: number;
  steps: Record<string, { status: string; task_id?: string; error?: string; cost_usd: number; outputs: Record<string, string> }>;
  outputs: Record<string, string>;
}

function workspace(name: string, prompts: string[], rate = '100/s'): string {
  const list = `[${prompts.join(', ')}]`;
  const recipe = `version: 1\nname: ${name}\nsteps:\n  remove:\n    uses: wavespeed-ai/void-video-inpainting/mask\n    matrix: { prompt: ${list} }\n    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "\${{ matrix.prompt }}" }\n`;
  return ground.workspace(name, recipe, `wavespeed:\n  concurrency: 4\n  poll_interval: 50ms\n  rate: ${rate}\n`);
}

const env = () => fakes.env({ ...fleet.env });

function start(args: string[], dir: string, extra: Record<string, string | undefined> = {}) {
  const child = startCli(args, { cwd: dir, env: { ...env(), ...extra } });
  children.push(child);
  return child;
}

const worker = (dir: string, name: string) => start(['worker', '--lease', LEASE, '--state-dir', name], dir);
const coordinator = (dir: string) => start(['run', 'recipe.yaml', '--json'], dir, { WAVESPEED_API_KEY: undefined });

const submitsOf = (p: FakeProvider, prefix: string) => p.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v3/wavespeed-ai') && (r.body as { prompt: string }).prompt.startsWith(prefix));
const tasksOf = (p: FakeProvider, prefix: string) => [...p.tasks.values()].filter((t) => (t.body as { prompt: string }).prompt.startsWith(prefix));
const pending = (match: (r: LoggedRequest) => boolean) => () => (fakes.ws.requests.some((r) => r.status === 0 && match(r)) ? true : undefined);

async function killed(child: ReturnType<typeof startCli>): Promise<void> {
  child.kill('SIGKILL');
  await child.exited;
}

async function finished(child: ReturnType<typeof startCli>): Promise<{ code: number | null; json: RunJson; stderr: string }> {
  const code = await child.exited;
  return { code, json: JSON.parse(child.output.stdout) as RunJson, stderr: child.output.stderr };
}

/** The scenario: a fault that holds one request, a worker killed while it hangs, a second worker finishing the run. */
async function killDuring(name: string, fault: FaultRule, hanging: (r: LoggedRequest) => boolean) {
  const dir = workspace(name, [`${name}-0`]);
  fakes.ws.fault({ ...fault, delayMs: HANG_MS, times: 1 });
  const first = worker(dir, 'worker-1');
  const run = coordinator(dir);
  await eventually(pending(hanging), `a ${fault.on} request of ${name} hanging`);
  await killed(first);
  worker(dir, 'worker-2');
  return { dir, ...(await finished(run)) };
}

beforeAll(async () => {
  ground = await openFleetGround('vidrecipe-fleet-kill-');
  fleet = ground.fleet;
}, 60_000);

// Each scenario's workers go with it: a worker left alive would take the next scenario's steps.
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
});

afterAll(async () => {
  await ground?.close();
});

describe('kill -9 of a worker', () => {
  // First: a submit left unanswered by a later scenario counts in the account's window for up to the
  // submit timeout, and would hold this one's one-per-2-s window that long.
  it('while its steps wait for the account\'s window: the next worker re-attaches to the one sent and sends the rest once', async () => {
    // One submission every 2 s: three steps are queued behind the window when the worker dies.
    const dir = workspace('queued', ['queued-0', 'queued-1', 'queued-2'], '0.5/s');
    const first = worker(dir, 'worker-1');
    const run = coordinator(dir);
    // Killed once the first submission's answer is in the account's window: one whose answer never came
    // would count as arriving up to the submit timeout later, and hold the window that long.
    await eventually(async () => ((await fleet.db.query('SELECT 1 FROM vidrecipe_submissions WHERE answered_at IS NOT NULL')).rowCount ? true : undefined), 'the first submission answered');
    await killed(first);
    worker(dir, 'worker-2');
    const { code, json, stderr } = await finished(run);
    expect(code, stderr).toBe(0);
    expect(submitsOf(fakes.ws, 'queued').map((r) => (r.body as { prompt: string }).prompt).sort()).toEqual(['queued-0', 'queued-1', 'queued-2']);
    expect(Object.values(json.steps).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // As the provider saw them: one arrival per 2 s, across the two workers.
    const at = submitsOf(fakes.ws, 'queued').map((r) => r.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(2000);
  }, 90_000);
  it('while it uploads: the next worker uploads and submits once', async () => {
    const { code, json, stderr } = await killDuring('uploading', { on: 'upload' }, (r) => r.method === 'POST' || r.method === 'PUT');
    expect(code, stderr).toBe(0);
    expect(submitsOf(fakes.ws, 'uploading')).toHaveLength(1);
    expect(json.steps['remove[prompt=uploading-0]']!.status).toBe('succeeded');
  }, 60_000);

  it('right after the intent, its submit unanswered: the step stops with how to check and force, nothing sent again', async () => {
    const { code, json } = await killDuring('intent', { on: 'submit' }, (r) => r.path.startsWith('/api/v3/wavespeed-ai'));
    expect(code).toBe(1);
    const step = json.steps['remove[prompt=intent-0]']!;
    expect(step.status).toBe('failed');
    expect(step.error).toMatch(/got no answer, so the provider may have the task and charge for it; check the provider's task list, then run again with --force/);
    // The hanging request reached the provider, which made its task; nobody sent another.
    expect(submitsOf(fakes.ws, 'intent')).toHaveLength(1);
    await eventually(() => (tasksOf(fakes.ws, 'intent').length === 1 ? true : undefined), 'the hanging submit to be handled');
  }, 60_000);

  it('right after the task id, while it polls: the next worker re-attaches to the task', async () => {
    const { code, json, stderr } = await killDuring('polling', { on: 'poll' }, (r) => r.method === 'GET' && r.path.includes('/predictions/'));
    expect(code, stderr).toBe(0);
    expect(submitsOf(fakes.ws, 'polling')).toHaveLength(1);
    const [task] = tasksOf(fakes.ws, 'polling');
    expect(json.steps['remove[prompt=polling-0]']).toMatchObject({ status: 'succeeded', task_id: task!.id });
  }, 60_000);

  it('while it downloads the result: the next worker re-attaches and downloads it', async () => {
    const { code, json, stderr } = await killDuring('downloading', { on: 'download' }, (r) => r.method === 'GET' && !r.path.includes('/predictions/'));
    expect(code, stderr).toBe(0);
    expect(submitsOf(fakes.ws, 'downloading')).toHaveLength(1);
    expect((await probeFile(json.steps['remove[prompt=downloading-0]']!.outputs.video!)).frames).toBe(16);
  }, 60_000);

});

describe('stopping a worker', () => {
  it('SIGTERM: it takes no new step, finishes the one running, and exits', async () => {
    const dir = workspace('sigterm', ['sigterm-0']);
    fakes.ws.fault({ on: 'poll', delayMs: 1_500, times: 1 });
    const w = worker(dir, 'worker-1');
    const run = coordinator(dir);
    await eventually(pending((r) => r.method === 'GET' && r.path.includes('/predictions/')), 'the step polling');
    w.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.output.stderr).toMatch(/stopping: finishing the steps running/);
    const { code, json, stderr } = await finished(run);
    expect(code, stderr).toBe(0);
    expect(json.steps['remove[prompt=sigterm-0]']!.status).toBe('succeeded');
    expect(submitsOf(fakes.ws, 'sigterm')).toHaveLength(1);
  }, 60_000);

  it('a second signal hands the running step back at once; the next worker re-attaches to its task', async () => {
    const dir = workspace('handback', ['handback-0']);
    fakes.ws.fault({ on: 'poll', delayMs: HANG_MS, times: 1 });
    const w = worker(dir, 'worker-1');
    const run = coordinator(dir);
    await eventually(pending((r) => r.method === 'GET' && r.path.includes('/predictions/')), 'the step polling');
    w.kill('SIGTERM');
    await eventually(() => (w.output.stderr.includes('finishing the steps running') ? true : undefined), 'the first signal taken');
    w.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.output.stderr).toMatch(/handing the running steps back to the queue/);
    worker(dir, 'worker-2');
    const { code, json, stderr } = await finished(run);
    expect(code, stderr).toBe(0);
    const [task] = tasksOf(fakes.ws, 'handback');
    expect(json.steps['remove[prompt=handback-0]']).toMatchObject({ status: 'succeeded', task_id: task!.id });
    expect(submitsOf(fakes.ws, 'handback')).toHaveLength(1);
  }, 60_000);
});

describe('a step that failed on the fleet', () => {
  it('fails the run with the worker\'s message, and the next run puts it in again and succeeds', async () => {
    const dir = workspace('refail', ['refail-0']);
    fakes.ws.failNext('the model ran out of memory');
    worker(dir, 'worker-1');
    const first = await finished(coordinator(dir));
    expect(first.code).toBe(1);
    expect(first.json.steps['remove[prompt=refail-0]']).toMatchObject({ status: 'failed', error: expect.stringMatching(/ran out of memory/) });
    // The failed job is kept (a second coordinator waiting on it reads why); this run replaces it.
    const again = await finished(coordinator(dir));
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.steps['remove[prompt=refail-0]']!.status).toBe('succeeded');
    expect(submitsOf(fakes.ws, 'refail')).toHaveLength(2);
  }, 60_000);
});
