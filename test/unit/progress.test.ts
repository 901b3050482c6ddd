import { describe, expect, it } from 'vitest';
import { captureStream, stepView } from '../support/progress-view.js';
import { waitFor } from '../support/cli.js';
import { progressView, statusWord } from '../../src/cli/progress.js';

const stream = (tty: boolean) => captureStream(tty, 100);
const step = stepView;

describe('progress', () => {
  it('names states as a person reads them', () => {
    expect(statusWord({ status: 'succeeded' })).toBe('done');
    expect(statusWord({ status: 'running', fraction: 0.426 })).toBe('running 42 %');
    expect(statusWord({ status: 'uploading' })).toBe('uploading');
  });

  it('without a terminal: one plain line per change of state, with time, cost and the error', async () => {
    const out = stream(false);
    const view = progressView([step('cut'), step('remove_bg')], out);
    const t = Date.now();
    view.onEvent({ type: 'step', step: step('cut', { status: 'running', startedAt: t }) });
    view.onEvent({ type: 'step', step: step('cut', { status: 'running', fraction: 0.1, startedAt: t }) });
    view.onEvent({ type: 'step', step: step('cut', { status: 'running', fraction: 0.2, startedAt: t }) });
    view.onEvent({ type: 'step', step: step('cut', { status: 'succeeded', startedAt: t, endedAt: t + 1500 }) });
    view.onEvent({ type: 'step', step: step('remove_bg', { status: 'failed', startedAt: t, endedAt: t + 200, costUsd: 0.1, error: 'HTTP 400: bad mask\nmore' }) });
    view.onEvent({ type: 'warning', step: 'cut', message: 'width 101 is odd' });
    await view.close();
    const lines = out.text().trimEnd().split('\n').map((l) => l.slice(9));
    expect(lines).toEqual([
      'cut        running',
      'cut        running 0 %',
      'cut        done  1.5 s',
      'remove_bg  failed  200 ms · $0.10 · HTTP 400: bad mask',
      'cut        warning: width 101 is odd',
    ]);
  });

  it('at a terminal: a live list (listr2) that ends with every step in its final state', async () => {
    const out = stream(true);
    const view = progressView([step('cut'), step('join'), step('after')], out);
    view.onEvent({ type: 'step', step: step('cut', { status: 'cached', cachedFrom: 'r1', message: 'cached from run r1' }) });
    view.onEvent({ type: 'step', step: step('join', { status: 'failed', error: 'boom' }) });
    view.onEvent({ type: 'step', step: step('after', { status: 'skipped', message: 'skipped: needs "join", which failed' }) });
    await view.close();
    const text = out.text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(text).toContain('cut    cached  cached from run r1');
    expect(text).toContain('join   failed  boom');
    expect(text).toContain('skipped: needs "join", which failed');
  });

  /** What the terminal shows once the list is drawn for the last time, without colours. */
  const lastFrame = (text: string) => (text.split('\x1b[G').at(-1) ?? '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

  it('at a terminal: a skipped, cancelled or failed step is one line, not its title and the same message again below', async () => {
    const out = stream(true);
    const view = progressView([step('cut'), step('join'), step('after'), step('big')], out);
    const t = Date.now();
    view.onEvent({ type: 'step', step: step('cut', { status: 'succeeded', startedAt: t, endedAt: t + 1200 }) });
    view.onEvent({ type: 'step', step: step('join', { status: 'failed', startedAt: t, endedAt: t + 300, error: 'boom' }) });
    view.onEvent({ type: 'step', step: step('after', { status: 'skipped', message: 'skipped: needs "join", which failed' }) });
    view.onEvent({ type: 'step', step: step('big', { status: 'cancelled', startedAt: t, endedAt: t + 2000, message: 'cancelled: the run was interrupted' }) });
    await view.close();
    const frame = lastFrame(out.text());
    expect(frame.match(/skipped: needs "join"/g)).toHaveLength(1);
    expect(frame.match(/cancelled: the run was interrupted/g)).toHaveLength(1);
    expect(frame.match(/boom/g)).toHaveLength(1);
    expect(frame.split('\n').filter((l) => l.trim())).toHaveLength(4);
  });

  it('at a terminal: a running step shows its elapsed time, which moves on between events', async () => {
    const out = stream(true);
    const view = progressView([step('remove'), step('cut')], out);
    const t = Date.now() - 1500;
    view.onEvent({ type: 'step', step: step('remove', { status: 'running', startedAt: t, message: 'task 42' }) });
    view.onEvent({ type: 'step', step: step('cut', { status: 'queued', startedAt: Date.now() }) });
    // No further event: the clock alone must move the time on (a remote task is polled for minutes).
    const seen = new Set<string>();
    await waitFor(() => {
      const shown = /remove +running +([\d.]+ s) · task 42/.exec(lastFrame(out.text()))?.[1];
      if (shown) seen.add(shown);
      return seen.size >= 2 ? true : undefined;
    }, 20_000, 'the elapsed time to move on');
    // and a step queued since then has been waiting about as long
    expect(lastFrame(out.text())).toMatch(/cut +queued +[\d.]+ s/);
    view.onEvent({ type: 'step', step: step('remove', { status: 'succeeded', startedAt: t, endedAt: t + 3000 }) });
    view.onEvent({ type: 'step', step: step('cut', { status: 'succeeded', startedAt: t, endedAt: t + 100 }) });
    await view.close();
    expect(lastFrame(out.text())).toMatch(/remove +done +3\.0 s/);
  });

  it('without a terminal: a running step says how long it has been at it', async () => {
    const out = stream(false);
    const view = progressView([step('remove')], out);
    const t = Date.now() - 65_000;
    view.onEvent({ type: 'step', step: step('remove', { status: 'running', fraction: 0.5, startedAt: t }) });
    await view.close();
    expect(out.text()).toMatch(/remove +running 50 % +1 min 5 s/);
  });
});
