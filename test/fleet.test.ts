import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startCli } from './support/cli.js';
import { useFakeProviders } from './support/fake-pair.js';
import type { FakeProvider } from './support/fake-providers/index.mjs';
import { openFleetGround, type FleetGround } from './support/fleet-ground.js';
import { eventually, type TestFleet } from './support/test-fleet.mjs';
import { probeFile } from './support/media.js';

// Many machines on the real services: workers are separate processes taking steps from BullMQ on Redis,
// the records live in PostgreSQL, the blobs in an S3 API server; the fake WaveSpeed counts what it is
// sent for the one account they share.

const WS_KEY = 'ws-fleet-key-71c2';
const LIMITS = { concurrency: 3, rate: 4 };
const fakes = useFakeProviders({ wsKey: WS_KEY, dsKey: 'sk-unused', concurrency: 50, taskMs: 600, resetEach: false });

let ground: FleetGround;
let root: string;
let fleet: TestFleet;
const workers: ReturnType<typeof startCli>[] = [];

interface RunJson {
  status: string;
  cost_usd: number;
  outputs: Record<string, string | string[]>;
  steps: Record<string, { status: string; cost_usd: number; error?: string }>;
}

/** A batch: VOID over `prompts`, each leg cut, all legs joined (a fan-in). */
function batch(name: string, prompts: string[]): string {
  const list = `[${prompts.join(', ')}]`;
  return `version: 1
name: ${name}
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    matrix: { prompt: ${list} }
    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "\${{ matrix.prompt }}" }
  cut:
    uses: local/trim
    matrix: { prompt: ${list} }
    with: { video: "\${{ steps.remove.outputs.video }}", duration: 0.5 }
  joined:
    uses: local/concat
    with: { videos: "\${{ steps.cut.outputs.video }}" }
outputs:
  joined: \${{ steps.joined.outputs.video }}
`;
}

const prompts = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

const workspace = (name: string, recipe: string) => ground.workspace(name, recipe, `wavespeed:\n  concurrency: ${LIMITS.concurrency}\n  rate: ${LIMITS.rate}/s\n  poll_interval: 50ms\n`);

const env = () => fakes.env({ ...fleet.env });

function startWorker(dir: string, name: string) {
  const worker = startCli(['worker', '--lease', '5s', '--state-dir', name], { cwd: dir, env: env() });
  workers.push(worker);
  return worker;
}

async function run(dir: string, args: string[] = []) {
  const child = startCli(['run', 'recipe.yaml', '--json', ...args], { cwd: dir, env: { ...env(), WAVESPEED_API_KEY: undefined } });
  const code = await child.exited;
  return { code, json: child.output.stdout.trim() ? (JSON.parse(child.output.stdout) as RunJson) : undefined, stderr: child.output.stderr, child };
}

const submits = (p: FakeProvider) => p.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v3/wavespeed-ai'));
const promptsSent = (p: FakeProvider) => submits(p).map((r) => (r.body as { prompt: string }).prompt);

/** `job-end … succeeded` lines of every worker journal under `dir`: what the fleet computed. */
function computed(dir: string): { worker: string; step: string }[] {
  const found: { worker: string; step: string }[] = [];
  for (const state of readdirSync(dir).filter((d) => d.startsWith('worker-'))) {
    const base = join(dir, state, 'workers');
    if (!existsSync(base)) continue;
    for (const id of readdirSync(base)) {
      for (const line of readFileSync(join(base, id, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { event: string; outcome?: string; step?: string };
        if (entry.event === 'job-end' && entry.outcome === 'succeeded') found.push({ worker: state, step: entry.step! });
      }
    }
  }
  return found;
}

beforeAll(async () => {
  ground = await openFleetGround('vidrecipe-fleet-');
  ({ root, fleet } = ground);
}, 60_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await ground?.close();
});

describe('a team: three workers, two coordinators, one account', () => {
  let dir: string;

  it('runs two overlapping batches with every step computed once and the account\'s limits held', async () => {
    dir = workspace('team', batch('batch-a', prompts('p', 0, 8)));
    writeFileSync(join(dir, 'b.yaml'), batch('batch-b', prompts('p', 4, 12)));
    for (const n of [1, 2, 3]) startWorker(dir, `worker-${n}`);
    const [a, b] = await Promise.all([run(dir), (async () => {
      const child = startCli(['run', 'b.yaml', '--json'], { cwd: dir, env: { ...env(), WAVESPEED_API_KEY: undefined } });
      const code = await child.exited;
      return { code, json: JSON.parse(child.output.stdout) as RunJson, stderr: child.output.stderr };
    })()]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);

    // 12 prompts in all, each sent once: the 4 both batches share were computed for whichever asked first.
    expect(promptsSent(fakes.ws).sort()).toEqual(prompts('p', 0, 12).sort());
    const removes = [a.json!, b.json!].flatMap((j) => Object.entries(j.steps).filter(([id]) => id.startsWith('remove[')).map(([id, s]) => ({ id, ...s })));
    expect(removes).toHaveLength(16);
    expect(removes.filter((s) => s.status === 'succeeded')).toHaveLength(12);
    expect(removes.filter((s) => s.status === 'cached')).toHaveLength(4);
    expect(Math.round((a.json!.cost_usd + b.json!.cost_usd) * 100)).toBe(120);

    // The account's limits, as the provider counted them, across every worker.
    const stats = fakes.ws.stats();
    expect(stats.maxInFlight).toBeLessThanOrEqual(LIMITS.concurrency);
    expect(stats.maxSubmitsIn(1000)).toBeLessThanOrEqual(LIMITS.rate);
    expect(fakes.ws.requests.filter((r) => r.status === 429)).toEqual([]);

    // Every step once on the fleet: 12 removes, one cut (the fake hands back the same clip, so every leg's
    // cut has one key), one join (both batches join the same 8 clips).
    const done = computed(dir);
    expect(done.filter((d) => d.step.startsWith('remove['))).toHaveLength(12);
    expect(done.filter((d) => d.step.startsWith('cut['))).toHaveLength(1);
    expect(done.filter((d) => d.step === 'joined')).toHaveLength(1);
    expect(new Set(done.map((d) => d.worker)).size).toBeGreaterThan(1);

    // Both coordinators have the result in their own out folder, decoded: 8 cuts of 8 frames.
    for (const json of [a.json!, b.json!]) expect((await probeFile(json.outputs.joined as string)).frames).toBe(64);
  }, 120_000);

  it('status shows the workers alive, nothing in flight, and the shared cache', async () => {
    const child = startCli(['status', '--format', 'json'], { cwd: dir, env: env() });
    expect(await child.exited, child.output.stderr).toBe(0);
    const status = JSON.parse(child.output.stdout) as { queues: { queue: string; active: number; workers: string[]; concurrency: number | null; stepsActiveMax: number | null; rate: { max: number } | null }[]; inFlight: unknown[]; openTasks: unknown[]; cache: { steps: number; blobs: number; bytes: number } };
    const ws = status.queues.find((q) => q.queue === 'wavespeed')!;
    expect(ws.workers).toHaveLength(3);
    expect([ws.active, ws.concurrency, ws.stepsActiveMax, ws.rate?.max]).toEqual([0, LIMITS.concurrency, 2 * LIMITS.concurrency, LIMITS.rate]);
    expect(status.inFlight).toEqual([]);
    expect(status.openTasks).toEqual([]);
    expect(status.cache.steps).toBe(14);
    expect(status.cache.blobs).toBeGreaterThanOrEqual(3);
  });

  it('a second machine with the shared cache re-runs a finished batch with no submission and $0', async () => {
    const before = submits(fakes.ws).length;
    const { code, json, stderr } = await run(dir, ['--state-dir', 'second-machine', '--out', 'out-second']);
    expect(code, stderr).toBe(0);
    expect(json!.cost_usd).toBe(0);
    expect(new Set(Object.values(json!.steps).map((s) => s.status))).toEqual(new Set(['cached']));
    expect(submits(fakes.ws)).toHaveLength(before);
    expect((await probeFile(json!.outputs.joined as string)).frames).toBe(64);
  }, 60_000);
});

describe('Redis losing its data', () => {
  it('never makes a coordinator re-run pay twice: the records in PostgreSQL decide', async () => {
    const dir = workspace('flush', batch('batch-c', prompts('c', 0, 6)));
    for (const n of [1, 2]) startWorker(dir, `worker-${n}`);
    const first = startCli(['run', 'recipe.yaml', '--json'], { cwd: dir, env: { ...env(), WAVESPEED_API_KEY: undefined } });
    await eventually(() => (promptsSent(fakes.ws).filter((p) => p.startsWith('c')).length >= 2 ? true : undefined), 'two submissions of the batch');
    await fleet.flushRedis();
    first.kill('SIGKILL');
    await first.exited;
    const again = await run(dir);
    expect(again.code, again.stderr).toBe(0);
    const sent = promptsSent(fakes.ws).filter((p) => p.startsWith('c'));
    expect(sent.sort()).toEqual(prompts('c', 0, 6).sort());
    expect((await probeFile(again.json!.outputs.joined as string)).frames).toBe(48);
  }, 120_000);
});

describe('the commands of docs/running.md, "Running on many machines"', () => {
  it('run as written: two workers, the shot list on the fleet, status', async () => {
    // The workers of the tests above use another cache prefix: they would refuse these steps.
    for (const w of workers.splice(0)) {
      w.kill('SIGKILL');
      await w.exited;
    }
    const doc = readFileSync(join(ROOT, 'docs', 'running.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Running on many machines'));
    const commands = [...section.matchAll(/^npx vidrecipe (.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/));
    expect(commands.map((c) => c[0])).toEqual(['worker', 'worker', 'run', 'status']);
    const dir = join(root, 'docs');
    cpSync(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), `${fleet.configLines('docs')}wavespeed: { concurrency: 3, rate: 10/s, poll_interval: 50ms }\n`);
    const started = commands.filter((c) => c[0] === 'worker').map((args) => startCli(args, { cwd: dir, env: env() }));
    workers.push(...started);
    for (const args of commands.filter((c) => c[0] !== 'worker')) {
      const child = startCli(args, { cwd: dir, env: { ...env(), WAVESPEED_API_KEY: undefined } });
      expect(await child.exited, `${args.join(' ')}: ${child.output.stderr}`).toBe(0);
    }
    expect(promptsSent(fakes.ws)).toEqual(expect.arrayContaining(['An espresso on a saucer, warm light', 'An empty wooden table, morning light']));
    for (const w of started) w.kill('SIGTERM');
    expect(await Promise.all(started.map((w) => w.exited))).toEqual([0, 0]);
  }, 120_000);
});
