import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from './atomic.js';
import type { Quarantine } from './quarantine.js';
import { lockProblem, parseRecord } from './record-guards.js';
import { safeName } from './state-names.js';

export interface LockHolder {
  pid: number;
  host: string;
  run: string;
  at: string;
  /** Unique per acquisition: a run that took the lock twice (two attempts) tells its own holdings apart. */
  token?: string;
  /** The holder renews the lease this often at least; a lock not renewed for this long is free. */
  leaseMs?: number;
  renewedAt?: string;
}

/** A lock this run holds. */
export interface StepLock {
  /**
   * Renews the lease now, and says whether the lock was still ours. Called before doing what another
   * holder would do too (submitting a task): a holder that stalled past its lease (a suspended laptop,
   * a stopped container) finds out here, before it writes, that another run has taken over.
   */
  confirm(): boolean;
  release(): void;
}

export interface LockOptions {
  /** How long a holder's lock stays its own without a renewal. */
  leaseMs?: number;
}

const POLL_MS = 200;
/** A lock or guard file still empty (or a guard still present) after this long was left by a dead writer. */
const GRACE_MS = 5_000;
const DEFAULT_LEASE_MS = 60_000;
/** Clocks of two machines sharing a state dir may differ this much: a lease counts as over by the holder's own clock only past it. */
const CLOCK_SKEW_MS = 30_000;

/** Runs of this process that hold or may hold locks: a holder with our pid but another run id is a dead predecessor. */
const liveRuns = new Set<string>();

/**
 * One lock per step key (`locks/<key>.lock`, created with O_EXCL). Two runs sharing a state dir never
 * compute the same remote step at once: the second waits and then finds the first one's result in the
 * cache. A lock is a lease, renewed by its holder while it runs; one whose process is gone (kill -9, on
 * this machine) or whose lease ran out (a holder on another machine, a state dir restored from a CI
 * cache) is taken over. Every change to a lock file other than its creation (renewal, takeover,
 * release) happens under a guard file, so it is a compare-and-swap: two runs finding the same stale
 * lock cannot both take it, and a renewal never overwrites another run's takeover.
 */
export class StepLocks {
  private readonly host = hostname();
  private readonly leaseMs: number;

  constructor(
    readonly dir: string,
    private readonly run: string,
    private readonly quarantine?: Quarantine,
    options: LockOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    liveRuns.add(run);
  }

  /** This run will take no more locks (the ones it holds are released by their own release functions). */
  close(): void {
    liveRuns.delete(this.run);
  }

  async acquire(
    key: string,
    options: { signal?: AbortSignal; onWait?: (holder: LockHolder, file: string) => void; onTakeOver?: (holder: LockHolder, why: string) => void } = {},
  ): Promise<StepLock> {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${safeName('step key', key)}.lock`);
    let told = false;
    // When this run first saw the lock's current text: a lease not renewed for its length, by our own
    // clock, is over whatever the holder's clock says.
    let seen: { text: string; since: number } | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const token = randomBytes(8).toString('hex');
      const at = new Date().toISOString();
      if (createExclusive(file, this.content(token, at))) return this.held(file, token, at);
      const text = readIfExists(file);
      if (text !== undefined && text !== seen?.text) seen = { text, since: performance.now() };
      const why = text !== undefined ? this.stale(file, text, performance.now() - seen!.since) : undefined;
      // A takeover that found the guard busy waits like anyone else: no spinning on another run's guard.
      if (why && this.takeOver(file, text!)) {
        const was = holderOf(text!);
        if (was) options.onTakeOver?.(was, why);
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

  /** The lock file's text: taken `at`, renewed now. */
  private content(token: string, at: string): string {
    const me: LockHolder = { pid: process.pid, host: this.host, run: this.run, at, token, leaseMs: this.leaseMs, renewedAt: new Date().toISOString() };
    return JSON.stringify(me);
  }

  /** The lock just created: renewed a few times per lease until released, or until found taken over. */
  private held(file: string, token: string, at: string): StepLock {
    let lost = false;
    const ours = () => holderOf(readIfExists(file) ?? '')?.token === token;
    /** true: renewed; false: someone else's now; undefined: the guard was busy. */
    const renew = (): boolean | undefined =>
      withGuard(file, () => {
        if (!ours()) return false;
        writeFileAtomic(file, this.content(token, at));
        return true;
      });
    const timer = setInterval(() => {
      if (lost) return;
      try {
        // A busy guard is another run looking at the lock for a moment: the next renewal comes well within the lease.
        if (renew() === false) lost = true;
      } catch {
        // The locks folder is unwritable or gone: confirm() says so before anything is submitted.
      }
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    timer.unref();
    return {
      confirm: () => {
        try {
          for (let i = 0; i < 50 && !lost; i++) {
            const kept = renew();
            if (kept !== undefined) {
              lost = !kept;
              break;
            }
            pause(20);
          }
        } catch {
          lost = true;
        }
        return !lost;
      },
      release: () => {
        clearInterval(timer);
        if (lost) return;
        try {
          for (let i = 0; i < 50; i++) {
            const done = withGuard(file, () => {
              if (ours()) rmSync(file, { force: true });
              return true;
            });
            if (done) return;
            pause(20);
          }
        } catch {
          // The lock's folder is gone (the state dir was deleted during the run): nothing left to release.
        }
      },
    };
  }

  /** Why nobody can be waited for (an empty or damaged file, a dead holder, a lease run out), or undefined while the holder holds. */
  private stale(file: string, text: string, unchangedMs: number): string | undefined {
    const holder = holderOf(text);
    // Empty (its writer died between create and write) or damaged: nobody can be waited for.
    if (!holder) return olderThan(file, GRACE_MS) || unchangedMs > GRACE_MS ? 'left empty or damaged' : undefined;
    if (holder.host === this.host) {
      if (holder.pid === process.pid) return liveRuns.has(holder.run) ? undefined : 'its process was restarted';
      if (!processAlive(holder.pid)) return `its process ${holder.pid} is gone`;
      // A holder of a version without leases never renews: while its process lives, it holds.
      if (holder.leaseMs === undefined) return undefined;
    }
    const leaseMs = holder.leaseMs ?? DEFAULT_LEASE_MS;
    const renewed = Date.parse(holder.renewedAt ?? holder.at);
    if (!Number.isNaN(renewed) && Date.now() - renewed > leaseMs + CLOCK_SKEW_MS) return `its lease ran out at ${new Date(renewed + leaseMs).toISOString()}`;
    return unchangedMs > leaseMs ? `it was not renewed for ${Math.round(unchangedMs / 1000)} s (its lease is ${Math.round(leaseMs / 1000)} s)` : undefined;
  }

  /**
   * Removes a stale lock, but only if it is still the same stale lock: another run may have taken it
   * over and written a live one since we read it. A damaged one is moved to the quarantine instead.
   */
  private takeOver(file: string, seen: string): boolean {
    return (
      withGuard(file, () => {
        if (readIfExists(file) !== seen) return false;
        const found = seen ? parseRecord<LockHolder>(seen, lockProblem) : undefined;
        if (found && 'problem' in found && this.quarantine) this.quarantine.setAside('lock', file, found.problem, 'the lock is taken anew');
        else rmSync(file, { force: true });
        return true;
      }) ?? false
    );
  }
}

/**
 * Runs `fn` while holding `<lock>.takeover` (created with O_EXCL); undefined when another process holds
 * it. A guard whose writer died (on this machine, or long ago) is removed, by renaming it away and
 * checking that what was renamed is the one found stale: a fresh guard taken meanwhile is put back.
 */
function withGuard<T>(file: string, fn: () => T): T | undefined {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }))) {
    const text = readIfExists(guard);
    if (text !== undefined && staleGuard(guard, text)) removeIfUnchanged(guard, text);
    return undefined;
  }
  try {
    return fn();
  } finally {
    rmSync(guard, { force: true });
  }
}

function staleGuard(guard: string, text: string): boolean {
  try {
    const owner = JSON.parse(text) as { pid?: unknown; host?: unknown };
    if (owner.host === hostname() && typeof owner.pid === 'number' && owner.pid !== process.pid && !processAlive(owner.pid)) return true;
  } catch {
    // a guard of an older version holds only a pid: judged by its age
  }
  return olderThan(guard, GRACE_MS);
}

/** Waits without giving up the thread: only while another process holds a guard, for microseconds as a rule. */
export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function holderOf(text: string): LockHolder | undefined {
  const found = parseRecord<LockHolder>(text, lockProblem);
  return 'record' in found ? found.record : undefined;
}

/** Creates `file` with `content` unless it exists (then false): the one atomic step a lock is taken by. */
export function createExclusive(file: string, content: string): boolean {
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

/**
 * Removes a stale lock file only if it still holds what was found stale (`seen`): one taken afresh meanwhile by
 * another process is put back.
 */
export function removeIfUnchanged(file: string, seen: string): void {
  const away = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, away);
    if (readIfExists(away) !== seen) linkSync(away, file);
  } catch {
    // gone already, or a new one is in place: either way not ours to touch
  }
  rmSync(away, { force: true });
}

export function readIfExists(file: string): string | undefined {
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
