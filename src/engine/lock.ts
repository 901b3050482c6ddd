import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockHolder {
  pid: number;
  host: string;
  run: string;
  at: string;
}

const POLL_MS = 200;
/** A lock file still empty after this long was left by a writer that died between create and write. */
const EMPTY_GRACE_MS = 5_000;

/**
 * One lock file per step key (`locks/<key>.lock`, created with O_EXCL). Two runs sharing a state dir
 * never compute the same step at once: the second waits and then finds the first one's result in the
 * cache. A lock whose process is gone (kill -9) is taken over.
 */
export class StepLocks {
  private readonly host = hostname();

  constructor(
    readonly dir: string,
    private readonly run: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async acquire(key: string, options: { signal?: AbortSignal; onWait?: (holder: LockHolder) => void } = {}): Promise<() => void> {
    const file = join(this.dir, `${key}.lock`);
    let told = false;
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        const fd = openSync(file, 'wx');
        const me: LockHolder = { pid: process.pid, host: this.host, run: this.run, at: new Date().toISOString() };
        writeSync(fd, JSON.stringify(me));
        closeSync(fd);
        return () => rmSync(file, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = this.holder(file);
      if (holder === 'stale') {
        rmSync(file, { force: true });
        continue;
      }
      if (holder && !told) {
        told = true;
        options.onWait?.(holder);
      }
      await sleep(POLL_MS, undefined, { signal: options.signal });
    }
  }

  private holder(file: string): LockHolder | 'stale' | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    if (!text) {
      try {
        return Date.now() - statSync(file).mtimeMs > EMPTY_GRACE_MS ? 'stale' : undefined;
      } catch {
        return undefined;
      }
    }
    const holder = JSON.parse(text) as LockHolder;
    return holder.host === this.host && !processAlive(holder.pid) ? 'stale' : holder;
  }
}

/** Whether a process of this machine is still running (a process of another user counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
