import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Quarantine } from './quarantine.js';
import { lockProblem, parseRecord } from './record-guards.js';
import { safeName } from './state-names.js';

export interface LockHolder {
  pid: number;
  host: string;
  run: string;
  at: string;
}

const POLL_MS = 200;
/** A lock or guard file still empty (or a guard still present) after this long was left by a dead writer. */
const GRACE_MS = 5_000;

/** Runs of this process that hold or may hold locks: a holder with our pid but another run id is a dead predecessor. */
const liveRuns = new Set<string>();

/**
 * One lock per step key (`locks/<key>.lock`, created with O_EXCL). Two runs sharing a state dir never
 * compute the same remote step at once: the second waits and then finds the first one's result in the
 * cache. A lock whose process is gone (kill -9) is taken over, under a guard file, so that two runs
 * finding the same stale lock cannot both take it.
 */
export class StepLocks {
  private readonly host = hostname();

  constructor(
    readonly dir: string,
    private readonly run: string,
    private readonly quarantine?: Quarantine,
  ) {
    liveRuns.add(run);
  }

  /** This run will take no more locks (the ones it holds are released by their own release functions). */
  close(): void {
    liveRuns.delete(this.run);
  }

  async acquire(key: string, options: { signal?: AbortSignal; onWait?: (holder: LockHolder, file: string) => void } = {}): Promise<() => void> {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${safeName('step key', key)}.lock`);
    let told = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const me: LockHolder = { pid: process.pid, host: this.host, run: this.run, at: new Date().toISOString() };
      if (create(file, JSON.stringify(me))) return () => this.release(file);
      const text = read(file);
      if (text !== undefined && this.stale(file, text)) {
        this.takeOver(file, text);
        continue;
      }
      const holder = text ? holderOf(text) : undefined;
      if (holder && !told) {
        told = true;
        options.onWait?.(holder, file);
      }
      await sleep(POLL_MS, undefined, { signal: options.signal });
    }
  }

  /** Removes the lock only while it still names this run: never someone else's. */
  private release(file: string): void {
    const text = read(file);
    if (text && holderOf(text)?.run === this.run) rmSync(file, { force: true });
  }

  private stale(file: string, text: string): boolean {
    const holder = holderOf(text);
    // Empty (its writer died between create and write) or damaged: nobody can be waited for.
    if (!holder) return olderThan(file, GRACE_MS);
    if (holder.host !== this.host) return false;
    if (holder.pid === process.pid) return !liveRuns.has(holder.run);
    return !processAlive(holder.pid);
  }

  /**
   * Deletes a stale lock, but only if it is still the same stale lock: another run may have taken it
   * over and written a live one since we read it. The guard makes read-compare-delete one step.
   */
  private takeOver(file: string, seen: string): void {
    const guard = `${file}.takeover`;
    if (!create(guard, String(process.pid))) {
      if (olderThan(guard, GRACE_MS)) rmSync(guard, { force: true });
      return;
    }
    try {
      if (read(file) !== seen) return;
      const problem = seen && !holderOf(seen) ? parseRecord<LockHolder>(seen, lockProblem) : undefined;
      if (problem && 'problem' in problem && this.quarantine) this.quarantine.setAside('lock', file, problem.problem, 'the lock is taken anew');
      else rmSync(file, { force: true });
    } finally {
      rmSync(guard, { force: true });
    }
  }
}

function holderOf(text: string): LockHolder | undefined {
  const found = parseRecord<LockHolder>(text, lockProblem);
  return 'record' in found ? found.record : undefined;
}

function create(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > ms;
  } catch {
    return false;
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
