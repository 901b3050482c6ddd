import { describe, expect, it } from 'vitest';
import { captureStream, stepView } from '../support/progress-view.js';
import { progressOptions, progressView } from '../../src/cli/progress.js';
import type { StepView } from '../../src/engine/events.js';
import { tallyLegs, tallyWords } from '../../src/engine/legs.js';

const stream = (tty: boolean) => captureStream(tty, 120);
const view = stepView;

/** The legs of `remove` over `n` shots, as the lead's graph names them. */
const legs = (n: number, step = 'remove') =>
  Array.from({ length: n }, (_, i) => {
    const shot = `s${String(i).padStart(3, '0')}`;
    return view(`${step}[shot=${shot}]`, { step, matrix: { shot } });
  });

const lastFrame = (text: string) => (text.split('\x1b[G').at(-1) ?? '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const plain = (text: string) => text.trimEnd().split('\n').map((l) => l.slice(9));

/** Every leg through queued → running → its end; leg `failAt` fails, legs below `cachedBelow` come from the cache. */
function playBatch(progress: ReturnType<typeof progressView>, all: StepView[], opts: { fail?: Set<number>; cachedBelow?: number } = {}) {
  const t = Date.now() - 5000;
  for (const [i, leg] of all.entries()) {
    if (i < (opts.cachedBelow ?? 0)) {
      progress.onEvent({ type: 'step', step: { ...leg, status: 'cached', startedAt: t, endedAt: t, message: 'cached from run r1' } });
      continue;
    }
    progress.onEvent({ type: 'step', step: { ...leg, status: 'queued', startedAt: t } });
    progress.onEvent({ type: 'step', step: { ...leg, status: 'running', startedAt: t, fraction: 0.5 } });
    if (opts.fail?.has(i)) progress.onEvent({ type: 'step', step: { ...leg, status: 'failed', startedAt: t, endedAt: t + 1000, error: `HTTP 400: bad mask for leg ${i}\nbody` } });
    else progress.onEvent({ type: 'step', step: { ...leg, status: 'succeeded', startedAt: t, endedAt: t + 4000, costUsd: 0.1 } });
  }
}

describe('tally of a matrix step', () => {
  it('counts done (cached included), running, queued, failed, cached and skipped', () => {
    const t = tallyLegs([
      view('a', { status: 'succeeded', costUsd: 0.1 }),
      view('b', { status: 'cached' }),
      view('c', { status: 'running' }),
      view('d', { status: 'uploading' }),
      view('e', { status: 'queued' }),
      view('f', { status: 'failed', costUsd: 0.2 }),
      view('g', { status: 'cancelled' }),
      view('h', { status: 'skipped' }),
      view('i'),
    ]);
    expect(tallyWords(t)).toBe('2/9 done · 2 running · 1 queued · 1 failed · 1 cached · 2 skipped');
    expect(t.costUsd).toBeCloseTo(0.3);
    expect(t.final).toBe(false);
  });
});

describe('progress of a matrix step without a terminal', () => {
  it('300 legs: a handful of lines, each failed leg with its id and error, the step line at its end', async () => {
    const out = stream(false);
    const progress = progressView([view('cut'), ...legs(300), view('reel')], out, { intervalMs: 60_000 });
    const now = Date.now();
    progress.onEvent({ type: 'step', step: view('cut', { status: 'succeeded', startedAt: now - 300, endedAt: now }) });
    playBatch(progress, legs(300), { fail: new Set([57, 150]), cachedBelow: 40 });
    progress.onEvent({ type: 'step', step: view('reel', { status: 'skipped', message: 'skipped: needs "remove[shot=s057]", which failed' }) });
    await progress.close();
    const lines = plain(out.text());
    expect(lines.length).toBeLessThanOrEqual(6);
    // a single-leg step is shown as before, padded to the widest label (a step name, not a leg id)
    expect(lines[0]).toBe('cut     done  300 ms');
    expect(lines[1]).toMatch(/^remove {2}1\/300 done · 1 cached {2}5\.\d s$/);
    expect(lines).toContain('remove[shot=s057]  failed  1.0 s · HTTP 400: bad mask for leg 57');
    expect(lines).toContain('remove[shot=s150]  failed  1.0 s · HTTP 400: bad mask for leg 150');
    expect(lines.at(-2)).toMatch(/^remove {2}298\/300 done · 2 failed · 40 cached {2}4\.0 s · \$25\.80$/);
    expect(lines.at(-1)).toBe('reel    skipped  skipped: needs "remove[shot=s057]", which failed');
  });

  it('repeats a busy step\'s line on an interval, only when its counts moved', async () => {
    const out = stream(false);
    const all = legs(20);
    const progress = progressView(all, out, { intervalMs: 40 });
    const t = Date.now();
    for (const leg of all.slice(0, 3)) progress.onEvent({ type: 'step', step: { ...leg, status: 'running', startedAt: t } });
    await new Promise((r) => setTimeout(r, 120));
    const quiet = plain(out.text());
    // the first line at its start, and one more once the interval saw the other two start
    expect(quiet).toEqual(['remove  0/20 done · 1 running', 'remove  0/20 done · 3 running']);
    for (const leg of all) progress.onEvent({ type: 'step', step: { ...leg, status: 'succeeded', startedAt: t, endedAt: t + 10 } });
    await progress.close();
    expect(plain(out.text()).at(-1)).toMatch(/^remove {2}20\/20 done {2}\d+ ms$/);
    expect(plain(out.text())).toHaveLength(3);
  });

  it('VIDRECIPE_PROGRESS=legs lists the running and failed legs under the step\'s line', async () => {
    expect(progressOptions({ VIDRECIPE_PROGRESS: 'legs' })).toEqual({ legs: true });
    expect(progressOptions({})).toEqual({ legs: false });
    const out = stream(false);
    const all = legs(30);
    const progress = progressView(all, out, { legs: true, intervalMs: 60_000 });
    const t = Date.now() - 2000;
    for (const leg of all.slice(0, 12)) progress.onEvent({ type: 'step', step: { ...leg, status: 'running', startedAt: t, message: 'task 42' } });
    progress.onEvent({ type: 'step', step: { ...all[0]!, status: 'failed', startedAt: t, endedAt: t + 100, error: 'boom' } });
    await progress.close();
    const lines = plain(out.text());
    // the first line, as the first leg starts, lists it
    expect(lines[0]).toMatch(/^remove {2}0\/30 done · 1 running {2}2\.\d s$/);
    expect(lines[1]).toMatch(/^ {2}remove\[shot=s000\] {2}running {2}2\.\d s · task 42$/);
    // at the end: the step's line, ten running legs, a count of the rest, and the failed one
    const end = lines.slice(lines.lastIndexOf(lines.find((l) => l.startsWith('remove  0/30 done · 11 running'))!));
    expect(end[0]).toMatch(/^remove {2}0\/30 done · 11 running · 1 failed/);
    expect(end.filter((l) => /^ {2}remove\[shot=s0\d\d\] +running +\d\.\d s · task 42$/.test(l))).toHaveLength(10);
    expect(end).toContain('  … and 1 more running');
    expect(end).toContain('  remove[shot=s000]  failed  100 ms · boom');
  });
});

describe('progress of a matrix step at a terminal', () => {
  it('one line for the step, counting its legs; single-leg steps as before', async () => {
    const out = stream(true);
    const all = legs(300);
    const progress = progressView([view('cut'), ...all], out, {});
    progress.onEvent({ type: 'step', step: view('cut', { status: 'cached', cachedFrom: 'r1', message: 'cached from run r1' }) });
    playBatch(progress, all, { cachedBelow: 12 });
    await progress.close();
    const frame = lastFrame(out.text());
    expect(frame.split('\n').filter((l) => l.trim())).toHaveLength(2);
    expect(frame).toContain('cut     cached  cached from run r1');
    expect(frame).toMatch(/remove {2}300\/300 done · 12 cached {2}\d+\.\d s · \$28\.80/);
    expect(frame).not.toContain('shot=');
  });

  it('a failed leg fails the step\'s line; with legs on, the failed legs stay listed under it', async () => {
    const out = stream(true);
    const all = legs(25);
    const progress = progressView(all, out, { legs: true });
    playBatch(progress, all, { fail: new Set([3, 9]) });
    await progress.close();
    const frame = lastFrame(out.text());
    expect(frame).toMatch(/remove {2}23\/25 done · 2 failed/);
    expect(frame).toMatch(/remove\[shot=s003\] +failed +1\.0 s · HTTP 400: bad mask for leg 3/);
    expect(frame).toMatch(/remove\[shot=s009\] +failed +1\.0 s · HTTP 400: bad mask for leg 9/);
    expect(frame).not.toMatch(/shot=s004/);
  });

  it('a step whose legs were all skipped is shown skipped, once', async () => {
    const out = stream(true);
    const all = legs(5);
    const progress = progressView(all, out, {});
    for (const leg of all) progress.onEvent({ type: 'step', step: { ...leg, status: 'skipped', message: 'skipped: needs "cut", which failed' } });
    await progress.close();
    const frame = lastFrame(out.text());
    expect(frame.match(/remove {2}0\/5 done · 5 skipped/g)).toHaveLength(1);
  });
});
