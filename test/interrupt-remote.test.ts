import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal, type JournalLine } from '../src/engine/journal.js';
import { runCli, startCli, waitFor } from './support/cli.js';
import { useFakeProviders } from './support/fake-pair.js';
import { type FakeProvider } from './support/fake-providers/index.mjs';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

const WS_KEY = 'ws-interrupt-key-0001';
const DS_KEY = 'sk-interrupt-key-0002';
// Long enough to still run when Ctrl-C comes, short enough for the next run to wait it out.
const fakes = useFakeProviders({ wsKey: WS_KEY, dsKey: DS_KEY, concurrency: 4, taskMs: 4000, resetEach: false });

let root: string;

/** One task on each provider, both slow enough to be interrupted while they run. */
const RECIPE = `version: 1
name: paid
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: clip.mp4, mask_video: mask.mp4, prompt: an empty table }
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    with: { video_url: clip.mp4, prompt: a wide kitchen, left_scale: 1.5 }
outputs:
  video: \${{ steps.remove.outputs.video }}
`;

const env = () => fakes.env();

function workspace(): string {
  const dir = join(root, `w${readdirSync(root).length}`);
  mkdirSync(dir);
  for (const f of ['clip.mp4', 'mask.mp4']) copyFileSync(join(root, f), join(dir, f));
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
  writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'wavespeed:\n  poll_interval: 40ms\n  rate: 100/s\ndashscope:\n  poll_interval: 40ms\n  rate: 100/s\n');
  return dir;
}

function latestJournal(dir: string): JournalLine[] {
  const runs = join(dir, '.vidrecipe', 'runs');
  if (!existsSync(runs)) return [];
  const last = readdirSync(runs).sort().at(-1);
  return last && existsSync(join(runs, last, 'journal.jsonl')) ? readJournal(join(runs, last, 'journal.jsonl')) : [];
}

const submitted = (dir: string) => latestJournal(dir).filter((l) => l.event === 'submitted').length;
const submits = (p: FakeProvider) => p.requests.filter((r) => r.method === 'POST' && (r.path.startsWith('/api/v3/wavespeed-ai') || r.path.endsWith('/video-synthesis'))).length;

/** The estimated cost of each step, as `plan` tells it before anything runs. */
function estimates(dir: string): Record<string, number> {
  const plan = runCli(['plan', 'recipe.yaml', '--format', 'json'], { cwd: dir, env: env() });
  return Object.fromEntries((JSON.parse(plan.stdout).steps as { id: string; estimated_cost_usd: number }[]).map((s) => [s.id, s.estimated_cost_usd]));
}

/** Starts a run, waits until both providers have accepted their task, then presses Ctrl-C. */
async function interruptAfterSubmits(dir: string, args: string[]) {
  const child = startCli(['run', 'recipe.yaml', ...args], { cwd: dir, env: env() });
  await waitFor(() => (submitted(dir) === 2 ? true : undefined), 30_000, 'both submits');
  child.kill('SIGINT');
  const code = await child.exited;
  return { code, ...child.output };
}

beforeAll(async () => {
  root = await makeTmpDir('vidrecipe-interrupt-remote-');
  await makeClip(join(root, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
  await makeClip(join(root, 'mask.mp4'), { width: 64, height: 48, fps: 16, duration: 1, source: 'color', color: 'white' });
}, 60_000);

afterAll(async () => {
  await removeDir(root);
});

describe('Ctrl-C after the providers accepted the tasks', () => {
  it('says which tasks still run at the provider and what they will cost; the report shows them; the next run re-attaches', async () => {
    const dir = workspace();
    const cost = estimates(dir);
    const before = { ws: submits(fakes.ws), ds: submits(fakes.ds) };
    const { code, stderr } = await interruptAfterSubmits(dir, []);
    expect(code, stderr).toBe(130);

    const runId = (latestJournal(dir)[0] as { run: string }).run;
    const first = latestJournal(dir);
    const taskOf = (step: string) => first.find((l): l is Extract<JournalLine, { event: 'submitted' }> => l.event === 'submitted' && l.step === step)!.task;
    // the fakes still have the tasks: nobody cancelled them there
    expect(['created', 'processing', 'completed']).toContain(fakes.ws.tasks.get(taskOf('remove'))?.status);
    expect(['PENDING', 'RUNNING', 'SUCCEEDED']).toContain(fakes.ds.tasks.get(taskOf('widen'))?.status);

    expect(stderr).toMatch(/warning: 2 tasks are still running at the provider and will be billed \(estimated \$[\d.]+ in all\)/);
    expect(stderr).toContain(`remove: wavespeed task ${taskOf('remove')}, estimated $${cost.remove!.toFixed(2)}`);
    expect(stderr).toContain(`widen: dashscope task ${taskOf('widen')}, estimated $${cost.widen!.toFixed(2)}`);
    expect(stderr).toContain('the next run of this recipe re-attaches to them instead of submitting again');
    expect(stderr).toMatch(/run \S+ interrupted .*2 running at provider.* · cost \$0\.00 \(\+ \$[\d.]+ estimated for the tasks still running\)/);
    expect(stderr).not.toMatch(/cancelled/);

    const runDir = join(dir, '.vidrecipe', 'runs', runId);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8'));
    expect(report.status).toBe('interrupted');
    expect(report.pending_cost_usd).toBeCloseTo(cost.remove! + cost.widen!, 6);
    const remove = report.steps.find((s: { id: string }) => s.id === 'remove');
    expect(remove).toMatchObject({ status: 'running_at_provider', task_id: taskOf('remove'), cost_usd: 0 });
    expect(remove.reason).toContain('re-attaches');
    const md = readFileSync(join(runDir, 'report.md'), 'utf8');
    expect(md).toContain('> [!WARNING]');
    expect(md).toContain(`⏳ running at provider (task \`${taskOf('remove')}\`)`);
    // report.html tells the same: the warning with each task, the pending cost, the step's status
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    const pending = `$${report.pending_cost_usd.toFixed(2)}`;
    expect(html).toContain(`2 tasks are still running at the provider and will be billed, estimated <b>${pending}</b>`);
    expect(html).toContain(`<code>remove</code> (wavespeed task <code>${taskOf('remove')}</code>, $${cost.remove!.toFixed(2)})`);
    expect(html).toContain(`<span class="muted">pending at provider</span><b>${pending}</b>`);
    expect(html).toContain('<span class="badge s-running_at_provider">⏳ running_at_provider</span>');
    expect(first.filter((l) => l.event === 'step-left-running').map((l) => (l as { step: string }).step).sort()).toEqual(['remove', 'widen']);

    // The next run pays nothing new: it re-attaches to both tasks and takes their results.
    const again = startCli(['run', 'recipe.yaml', '--json'], { cwd: dir, env: env() });
    expect(await again.exited, again.output.stderr).toBe(0);
    const json = JSON.parse(again.output.stdout);
    expect(json.steps.remove).toMatchObject({ status: 'succeeded', task_id: taskOf('remove') });
    expect(json.steps.widen).toMatchObject({ status: 'succeeded', task_id: taskOf('widen') });
    expect({ ws: submits(fakes.ws) - before.ws, ds: submits(fakes.ds) - before.ds }).toEqual({ ws: 1, ds: 1 });
    expect(latestJournal(dir).filter((l) => l.event === 'reattach')).toHaveLength(2);
  });

  it('`run --json` carries running_at_provider, the task ids and the pending cost', async () => {
    const dir = workspace();
    const cost = estimates(dir);
    const { code, stdout, stderr } = await interruptAfterSubmits(dir, ['--json']);
    expect(code, stderr).toBe(130);
    const json = JSON.parse(stdout);
    expect(json.status).toBe('interrupted');
    expect(json.cost_usd).toBe(0);
    expect(json.pending_cost_usd).toBeCloseTo(cost.remove! + cost.widen!, 6);
    for (const step of ['remove', 'widen']) {
      expect(json.steps[step]).toMatchObject({ status: 'running_at_provider', estimated_cost_usd: cost[step] });
      expect(json.steps[step].task_id).toMatch(/\S/);
    }
    // said on stderr too: a person watching a --json run must not miss it
    expect(stderr).toContain('still running at the provider and will be billed');
  });
});
