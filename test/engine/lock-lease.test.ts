import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ROOT, waitFor } from '../support/cli.js';

const K = 'b'.repeat(64);

/** A lock-holder process and the lines it printed. */
function holder(dir: string, leaseMs: number): ChildProcessWithoutNullStreams & { lines: string[] } {
  const child = spawn(process.execPath, [join(ROOT, 'test', 'support', 'lock-holder.mjs'), dir, K, String(leaseMs)]);
  const lines: string[] = [];
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  return Object.assign(child, { lines });
}

async function answer(child: ReturnType<typeof holder>, line: string): Promise<string> {
  const before = child.lines.length;
  child.stdin.write(`${line}\n`);
  return waitFor(() => child.lines[before], 20_000, `an answer to ${line}`);
}

const lockHolder = (dir: string) => JSON.parse(readFileSync(join(dir, `${K}.lock`), 'utf8')) as { pid: number; run: string };

describe('step locks are leases', () => {
  it('a holder stopped past its lease is taken over by another process, and finds out before it writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-lease-'));
    const a = holder(dir, 600);
    await waitFor(() => (a.lines.includes('held') ? true : undefined), 20_000, 'a to hold the lock');
    a.kill('SIGSTOP');
    const b = holder(dir, 600);
    try {
      // b waits for a lease that a (stopped) cannot renew, then takes the lock over
      await waitFor(() => (b.lines.includes('held') ? true : undefined), 30_000, 'b to take the lock over');
      expect(lockHolder(dir).pid).toBe(b.pid);
    } finally {
      a.kill('SIGCONT');
    }
    expect(await answer(a, 'check')).toBe('lost');
    expect(await answer(b, 'check')).toBe('held');
    // a's release leaves b's lock alone
    a.stdin.write('release\n');
    await new Promise((r) => a.on('close', r));
    expect(lockHolder(dir).pid).toBe(b.pid);
    b.stdin.write('release\n');
    await new Promise((r) => b.on('close', r));
    expect(existsSync(join(dir, `${K}.lock`))).toBe(false);
  }, 60_000);

  it('a holder that keeps running keeps its lock past many leases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-lease-'));
    const a = holder(dir, 1500);
    await waitFor(() => (a.lines.includes('held') ? true : undefined), 20_000, 'a to hold the lock');
    const b = holder(dir, 1500);
    await sleep(4500);
    expect(b.lines).toEqual([]);
    expect(await answer(a, 'check')).toBe('held');
    a.stdin.write('release\n');
    await waitFor(() => (b.lines.includes('held') ? true : undefined), 20_000, 'b to get the lock once released');
    b.stdin.write('release\n');
    await new Promise((r) => b.on('close', r));
  }, 60_000);

  it('of several processes finding a lock of another host whose lease ran out long ago, exactly one takes it over at a time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-lease-'));
    const log = join(dir, 'log');
    const keys = Array.from({ length: 6 }, (_, i) => String(i).repeat(64));
    const old = new Date(Date.now() - 3600_000).toISOString();
    // A state dir restored from a CI cache: its holder's host is gone, and so is any process of it.
    keys.forEach((key) => writeFileSync(join(dir, `${key}.lock`), JSON.stringify({ pid: 4242, host: 'ci-runner-gone', run: 'restored', at: old, token: 'x', leaseMs: 60_000, renewedAt: old })));
    const contender = join(ROOT, 'test', 'support', 'lock-contender.mjs');
    const children = [1, 2, 3].map(() => spawn(process.execPath, [contender, dir, log, ...keys], { stdio: 'inherit' }));
    await sleep(400);
    writeFileSync(join(dir, 'go'), '');
    expect(await Promise.all(children.map((c) => new Promise((r) => c.on('close', r))))).toEqual([0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    for (const key of keys) {
      const events = lines.filter((l) => l.startsWith(`${key} `)).map((l) => l.split(' ')[1]);
      expect(events).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    }
  }, 60_000);
});
