import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BackendLimiter } from '../../src/engine/limiter.js';
import { StepLocks } from '../../src/engine/lock.js';
import { ROOT } from '../support/cli.js';

/** A step key: locks are named by one. */
const K = 'a'.repeat(64);

const limits = (submissions: number, intervalMs: number, concurrency = 4) => ({ concurrency, submissions, intervalMs, pollIntervalMs: 1000 });

describe('backend limiter', () => {
  it('never starts more submissions per rolling window than the rate, and a fractional rate is not rounded up', async () => {
    const limiter = new BackendLimiter('wavespeed', limits(1.5, 300));
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all([1, 2, 3].map(() => limiter.submit(async () => void starts.push(Date.now() - t0))));
    // 1.5 per 300 ms = one every 200 ms
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(190);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(190);
  });

  it('spaces requests by when they leave: slow work before the first sends cannot bunch them with the next window', async () => {
    const limiter = new BackendLimiter('wavespeed', limits(2, 300));
    const sends: number[] = [];
    const t0 = Date.now();
    // The first two take 250 ms between their start and their send (a slow disk flushing the intent), the rest none.
    await Promise.all(
      [250, 250, 0, 0].map((work) =>
        limiter.submit(async (ready) => {
          await sleep(work);
          await ready();
          sends.push(Date.now() - t0);
        }),
      ),
    );
    sends.sort((a, b) => a - b);
    // Never more than 2 sends within any 300 ms.
    expect(sends[2]! - sends[0]!).toBeGreaterThanOrEqual(295);
    expect(sends[3]! - sends[1]!).toBeGreaterThanOrEqual(295);
  });

  it('counts a submission in the window from its answer: a slow answer delays the next window, a fast one does not', async () => {
    const limiter = new BackendLimiter('wavespeed', limits(2, 200));
    const t0 = Date.now();
    const sends: number[] = [];
    const answerAfter = [150, 150, 0, 0];
    await Promise.all(
      answerAfter.map((ms) =>
        limiter.submit(async (ready) => {
          await ready();
          sends.push(Date.now() - t0);
          await sleep(ms);
        }),
      ),
    );
    // The first two leave at once and are answered at ~150 ms: the next two leave a window after that.
    expect(sends[1]! - sends[0]!).toBeLessThan(50);
    expect(sends[2]!).toBeGreaterThanOrEqual(345);
  });

  it('Ctrl-C drops a submission waiting for its window at once, but lets one in flight finish with its answer', async () => {
    const limiter = new BackendLimiter('wavespeed', limits(1, 5000));
    const controller = new AbortController();
    const first = limiter.submit(async () => {
      await sleep(150);
      return 'task-1';
    }, controller.signal);
    const second = limiter.submit(async () => 'task-2', controller.signal);
    await sleep(50);
    const t = Date.now();
    controller.abort(new Error('interrupted'));
    await expect(second).rejects.toThrow('interrupted');
    expect(Date.now() - t).toBeLessThan(100);
    await expect(first).resolves.toBe('task-1');
  });

  it('holds a slot until the task settles, even when aborted while running', async () => {
    const limiter = new BackendLimiter('local', limits(Infinity, 1000, 1));
    const controller = new AbortController();
    let running = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++running);
      await sleep(100);
      running--;
    };
    const a = limiter.withSlot(task, controller.signal);
    const b = limiter.withSlot(task);
    await sleep(20);
    controller.abort(new Error('stop'));
    await Promise.all([a, b]);
    expect(most).toBe(1);
  });
});

describe('step locks', () => {
  it('of several processes finding the same stale lock, exactly one takes it over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-locks-'));
    const log = join(dir, 'log');
    const keys = Array.from({ length: 8 }, (_, i) => String(i).repeat(64));
    // pids above Linux's default pid_max: surely not running
    keys.forEach((key, i) => writeFileSync(join(dir, `${key}.lock`), JSON.stringify({ pid: 4_194_304 + i, host: hostname(), run: 'dead', at: '' })));
    const contender = join(ROOT, 'test', 'support', 'lock-contender.mjs');
    const children = [1, 2, 3].map(() => spawn(process.execPath, [contender, dir, log, ...keys], { stdio: 'inherit' }));
    await sleep(400); // all three started and polling for the signal
    writeFileSync(join(dir, 'go'), '');
    expect(await Promise.all(children.map((c) => new Promise((r) => c.on('close', r))))).toEqual([0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    for (const key of keys) {
      const events = lines.filter((l) => l.startsWith(`${key} `)).map((l) => l.split(' ')[1]);
      // three holders one after the other: start, end, start, end … never two starts in a row
      expect(events).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    }
    expect(keys.some((key) => existsSync(join(dir, `${key}.lock`)))).toBe(false);
  });

  it('a lock left by this very pid in an earlier life (a restarted container) is stale; a live run of this process is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-locks-'));
    writeFileSync(join(dir, `${K}.lock`), JSON.stringify({ pid: process.pid, host: hostname(), run: 'before-restart', at: '' }));
    const locks = new StepLocks(dir, 'now');
    const lock = await locks.acquire(K);
    const other = new StepLocks(dir, 'other');
    const waiting = other.acquire(K);
    let got = false;
    void waiting.then(() => (got = true));
    await sleep(300);
    expect(got).toBe(false);
    lock.release();
    (await waiting).release();
    locks.close();
    other.close();
  });
});
