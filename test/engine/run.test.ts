import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/engine/config.js';
import { readJournal } from '../../src/engine/journal.js';
import { NotSubmittedError } from '../../src/providers/types.js';
import { Calls, FakeRemote, fakeLocal, lookup, planOf, run, statuses, workspace } from './harness.js';

const CHAIN = `version: 1
name: engine-test
inputs:
  a: { type: video, default: media/a.mp4 }
  b: { type: video, default: media/b.mp4 }
  len: { type: number, default: 1 }
steps:
  cut_a:
    uses: local/trim
    with: { video: "\${{ inputs.a }}", duration: "\${{ inputs.len }}" }
  cut_b:
    uses: local/trim
    with: { video: "\${{ inputs.b }}", duration: 2 }
  join:
    uses: local/concat
    with: { videos: ["\${{ steps.cut_a.outputs.video }}", "\${{ steps.cut_b.outputs.video }}"] }
  frame:
    uses: local/extract-frame
    with: { video: "\${{ steps.join.outputs.video }}", at: last }
outputs:
  video: \${{ steps.join.outputs.video }}
  frame: \${{ steps.frame.outputs.image }}
`;

describe('run loop and cache', () => {
  it('runs every step once, publishes the outputs, and re-runs nothing when nothing changed', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    const first = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    expect(first.status).toBe('succeeded');
    expect(statuses(first)).toEqual({ cut_a: 'succeeded', cut_b: 'succeeded', join: 'succeeded', frame: 'succeeded' });
    expect(calls.runs.map((r) => r.step).sort()).toEqual(['cut_a', 'cut_b', 'frame', 'join']);
    // the outputs, and the manifest that says they are vidrecipe's (a later run replaces them, nothing else)
    expect(readdirSync(ws.outDir).sort()).toEqual(['.vidrecipe-out.json', 'frame.png', 'video.mp4']);
    // join received both cuts, in order, as files with their extension
    const join_ = calls.runs.find((r) => r.step === 'join')!;
    expect((join_.params.videos as string[]).map((p) => p.endsWith('.mp4'))).toEqual([true, true]);
    expect(JSON.parse(readFileSync(join(ws.outDir, 'video.mp4'), 'utf8')).media).toHaveLength(2);

    const second = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    expect(statuses(second)).toEqual({ cut_a: 'cached', cut_b: 'cached', join: 'cached', frame: 'cached' });
    expect(calls.runs).toHaveLength(4);
    expect(second.steps.every((s) => s.cachedFrom === first.runId)).toBe(true);
    expect(readFileSync(join(ws.outDir, 'video.mp4'), 'utf8')).toBe(readFileSync(join(ws.outDir, 'video.mp4'), 'utf8'));
  });

  it('re-runs only the changed step and what depends on it; a default written out changes nothing', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    const changed = await run(planOf(ws.file, { inputs: ['len=1.5'] }), ws, { executors: lookup(fakeLocal(calls)) });
    expect(statuses(changed)).toEqual({ cut_a: 'succeeded', cut_b: 'cached', join: 'succeeded', frame: 'succeeded' });

    writeFileSync(ws.file, CHAIN.replace('duration: 2 }', 'duration: 2, start: 0 }'));
    const same = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    expect(statuses(same)).toEqual({ cut_a: 'cached', cut_b: 'cached', join: 'cached', frame: 'cached' });
  });

  it('a changed input file (same path, new bytes) re-runs the steps that read it', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    writeFileSync(join(ws.dir, 'media', 'b.mp4'), 'clip b, edited');
    const again = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    expect(statuses(again)).toEqual({ cut_a: 'cached', cut_b: 'succeeded', join: 'succeeded', frame: 'succeeded' });
  });

  it('--force re-runs one step; --no-cache re-runs all', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    const forced = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)), force: ['cut_b'] });
    // The forced step produced the same bytes, so what reads it is still cached (a content cache).
    expect(statuses(forced)).toEqual({ cut_a: 'cached', cut_b: 'succeeded', join: 'cached', frame: 'cached' });
    const all = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)), noCache: true });
    expect(Object.values(statuses(all))).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  it('a damaged blob is detected and recomputed, never served', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    const first = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    const blob = first.steps.find((s) => s.id === 'cut_a')!.outputs.video!;
    writeFileSync(join(ws.stateDir, 'cache', 'objects', blob.digest), 'bit rot');
    const second = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    expect(statuses(second)).toMatchObject({ cut_a: 'succeeded', cut_b: 'cached' });
    expect(second.steps[0]!.warnings.join()).toMatch(/damaged/);
    expect(readFileSync(join(ws.stateDir, 'cache', 'objects', blob.digest), 'utf8')).not.toBe('bit rot');
  });

  it('a failed step skips its dependents, lets independent branches finish, and is not cached', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    const result = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls, { failFirst: { cut_a: 1 } })) });
    expect(result.status).toBe('failed');
    expect(result.firstFailure).toBe('cut_a');
    expect(statuses(result)).toEqual({ cut_a: 'failed', cut_b: 'succeeded', join: 'skipped', frame: 'skipped' });
    expect(result.steps[2]!.message).toMatch(/needs "cut_a", which failed/);
    expect(existsSync(join(ws.outDir, 'video.mp4'))).toBe(false);
    const again = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    expect(statuses(again)).toEqual({ cut_a: 'succeeded', cut_b: 'cached', join: 'succeeded', frame: 'succeeded' });
  });

  it('retries with backoff, and times out a step that takes too long', async () => {
    const ws = workspace(CHAIN.replace('  cut_b:\n', '  cut_b:\n    retries: 2\n').replace('  cut_a:\n', '  cut_a:\n    timeout: 50ms\n'));
    const calls = new Calls();
    const slowA = fakeLocal(calls, { failFirst: { cut_b: 2 } });
    const slow = fakeLocal(calls, { delayMs: 2000 });
    const result = await run(planOf(ws.file), ws, { executors: (model, backend) => (backend === 'local' && model === 'local/trim' ? { kind: 'local', run: (ctx) => (ctx.stepId === 'cut_a' ? slow.run(ctx) : slowA.run(ctx)) } : undefined) });
    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    expect(byId.cut_b!.status).toBe('succeeded');
    expect(byId.cut_b!.attempts).toBe(3);
    expect(byId.cut_b!.warnings).toHaveLength(2);
    expect(byId.cut_a!.status).toBe('failed');
    expect(byId.cut_a!.error).toMatch(/timed out after 50 ms/);
    expect(Date.now() - result.startedAt).toBeLessThan(1500);
  });

  it('an executor that hands back its input file does not lose it to the store', async () => {
    const ws = workspace('version: 1\nname: same\nsteps:\n  keep:\n    uses: local/transcode\n    with: { video: media/a.mp4 }\n');
    const result = await run(planOf(ws.file), ws, { executors: lookup({ kind: 'local', run: async (ctx) => ({ outputs: { video: ctx.params.video as string } }) }) });
    expect(result.status).toBe('succeeded');
    expect(readFileSync(join(ws.dir, 'media', 'a.mp4'), 'utf8')).toBe('clip a');
  });

  it('never runs more steps of a backend at once than its concurrency', async () => {
    const steps = Array.from({ length: 8 }, (_, i) => `  s${i}:\n    uses: local/trim\n    with: { video: media/a.mp4, start: ${i} }\n`).join('');
    const ws = workspace(`version: 1\nname: wide\nsteps:\n${steps}`);
    const calls = new Calls();
    const config = defaultConfig();
    config.local.concurrency = 3;
    const result = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls, { delayMs: 30 })), config });
    expect(result.status).toBe('succeeded');
    expect(calls.maxInFlight).toBe(3);
  });

  it('an interrupted run cancels running steps, skips the rest and keeps what finished', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    const controller = new AbortController();
    const executor = fakeLocal(calls, { delayMs: 300 });
    const pending = run(planOf(ws.file), ws, { executors: lookup({ kind: 'local', run: (ctx) => (ctx.stepId === 'cut_b' ? executor.run(ctx) : fakeLocal(calls).run(ctx)) }), signal: controller.signal });
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    const result = await pending;
    expect(result.status).toBe('interrupted');
    expect(statuses(result)).toEqual({ cut_a: 'succeeded', cut_b: 'cancelled', join: 'skipped', frame: 'skipped' });
    const journal = readJournal(join(result.runDir, 'journal.jsonl'));
    expect(journal.at(-1)).toMatchObject({ event: 'run-end', status: 'interrupted' });
    const again = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls)) });
    expect(statuses(again)).toMatchObject({ cut_a: 'cached', cut_b: 'succeeded' });
  });

  it('two runs sharing a state dir at once both succeed with the same results and a sound cache', async () => {
    const ws = workspace(CHAIN);
    const calls = new Calls();
    const executors = lookup(fakeLocal(calls, { delayMs: 50 }));
    const [a, b] = await Promise.all([run(planOf(ws.file), ws, { executors }), run(planOf(ws.file), ws, { executors })]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(a.outputs.video!.digest).toBe(b.outputs.video!.digest);
    const third = await run(planOf(ws.file), ws, { executors });
    expect(Object.values(statuses(third))).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(third.steps.every((s) => s.warnings.length === 0)).toBe(true);
  });
});

const REMOTE = `version: 1
name: remote-test
inputs:
  video: { type: video, default: media/a.mp4 }
  mask: { type: video, default: media/b.mp4 }
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: "\${{ inputs.video }}", mask_video: "\${{ inputs.mask }}", prompt: a table }
outputs:
  video: \${{ steps.remove.outputs.video }}
`;

describe('remote steps: submit intent, task id, re-attach', () => {
  it('journals the intent before the submit and the task id after, and reports the provider cost', async () => {
    const ws = workspace(REMOTE);
    const calls = new Calls();
    const remote = new FakeRemote(calls);
    const result = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote) });
    expect(result.status).toBe('succeeded');
    expect(result.steps[0]).toMatchObject({ taskId: 'task-1', costUsd: 0.15 });
    const events = readJournal(join(result.runDir, 'journal.jsonl')).map((l) => l.event);
    expect(events).toEqual(['run-start', 'step-start', 'submit-intent', 'submitted', 'step-succeeded', 'run-end']);
    expect(readdirSync(join(ws.stateDir, 'tasks'))).toEqual([]);
  });

  it('re-attaches to a task an interrupted run submitted, instead of paying again', async () => {
    const ws = workspace(REMOTE);
    const calls = new Calls();
    const remote = new FakeRemote(calls);
    remote.hang = true;
    const controller = new AbortController();
    const pending = run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote), signal: controller.signal });
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    expect((await pending).status).toBe('interrupted');
    expect(remote.submitted).toEqual(['task-1']);

    remote.hang = false;
    const again = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote) });
    expect(again.status).toBe('succeeded');
    expect(remote.submitted).toEqual(['task-1']);
    expect(remote.waited).toEqual(['task-1', 'task-1']);
    expect(readJournal(join(again.runDir, 'journal.jsonl')).map((l) => l.event)).toContain('reattach');
  });

  it('does not replay a submit whose outcome is unknown until --force', async () => {
    const ws = workspace(REMOTE);
    const calls = new Calls();
    const remote = new FakeRemote(calls);
    remote.submitError = new Error('socket hang up');
    const first = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote) });
    expect(first.steps[0]!.error).toMatch(/socket hang up/);

    remote.submitError = undefined;
    const second = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote) });
    expect(second.status).toBe('failed');
    expect(second.steps[0]!.error).toMatch(/may have the task.*--force remove/);
    expect(remote.submitted).toEqual([]);

    const forced = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote), force: ['remove'] });
    expect(forced.status).toBe('succeeded');
    expect(remote.submitted).toEqual(['task-1']);
  });

  it('two runs sharing a state dir at once pay for a remote task once: the second waits and reuses it', async () => {
    const ws = workspace(REMOTE);
    const calls = new Calls();
    const remote = new FakeRemote(calls, 200);
    const [a, b] = await Promise.all([run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote) }), run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), remote) })]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(remote.submitted).toEqual(['task-1']);
    expect([a.steps[0]!.status, b.steps[0]!.status].sort()).toEqual(['cached', 'succeeded']);
    expect(readdirSync(join(ws.stateDir, 'locks'))).toEqual([]);
  });

  it('a submit refused with an answer leaves nothing open, so a retry submits again', async () => {
    const ws = workspace(REMOTE.replace('    uses: wavespeed', '    retries: 1\n    uses: wavespeed'));
    const calls = new Calls();
    const remote = new FakeRemote(calls);
    let refusals = 1;
    const refusing = Object.assign(Object.create(remote) as FakeRemote, {
      submit: async (ctx: Parameters<FakeRemote['submit']>[0]) => {
        if (refusals-- > 0) throw new NotSubmittedError('HTTP 503 from the provider');
        return remote.submit(ctx);
      },
    });
    const result = await run(planOf(ws.file), ws, { executors: lookup(fakeLocal(calls), refusing) });
    expect(result.status).toBe('succeeded');
    expect(result.steps[0]!.attempts).toBe(2);
    expect(remote.submitted).toEqual(['task-1']);
  });
});
