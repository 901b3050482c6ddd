import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressView, statusWord } from '../../src/cli/progress.js';
import type { StepView } from '../../src/engine/events.js';

function stream(tty: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(out, { isTTY: tty, columns: tty ? 100 : undefined, rows: 40, text: () => text });
  return out;
}

const step = (id: string, change: Partial<StepView> = {}): StepView => ({
  id,
  uses: 'local/trim',
  backend: 'local',
  status: 'waiting',
  attempts: 0,
  estimatedCostUsd: 0,
  costUsd: 0,
  outputs: {},
  warnings: [],
  ...change,
});

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
});
