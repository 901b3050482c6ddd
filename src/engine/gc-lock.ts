import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from './atomic.js';
import { createExclusive, pause, processAlive, readIfExists, removeIfUnchanged } from './lock.js';
import type { StateDir } from './state-dir.js';

/**
 * `locks/gc.lock`: held by `vidrecipe cache gc` while it decides what to delete and deletes it. A run
 * announces itself in `tmp/` first and then waits while the lock is held; gc takes the lock first and
 * then looks for runs. Whichever comes second sees the other, so gc never deletes a blob a run has
 * just found in the cache and is about to use (docs/decisions.md, "Cache gc").
 */
export interface GcHolder {
  pid: number;
  host: string;
  at: string;
  renewedAt: string;
  token: string;
}

/** The lock is a lease like a step lock: renewed while gc works, free when its process is gone or it was not renewed. */
const LEASE_MS = 60_000;
const RENEW_MS = 20_000;
const CLOCK_SKEW_MS = 30_000;
/** A lock file left empty or unreadable by a writer that died is ignored after this long. */
const GRACE_MS = 5_000;
const POLL_MS = 200;

/** Names a state dir's work folder that announces a run before it touches the cache. */
export const IN_USE_PREFIX = 'in-use-';
export const OWNER_FILE = '.owner.json';

export function gcLockFile(state: StateDir): string {
  return join(state.locks, 'gc.lock');
}

export interface HeldGcLock {
  release(): void;
}

/** Takes the gc lock; when another gc holds it, says which. A lock whose holder is gone is taken over. */
export function takeGcLock(state: StateDir): { held: HeldGcLock } | { busy: GcHolder } {
  const file = gcLockFile(state);
  mkdirSync(state.locks, { recursive: true });
  for (let attempt = 0; attempt < 50; attempt++) {
    const token = randomBytes(8).toString('hex');
    const at = new Date().toISOString();
    if (createExclusive(file, content(token, at))) return { held: held(file, token, at) };
    const text = readIfExists(file);
    if (text === undefined) continue;
    const holder = holderOf(text);
    if (holder && !stale(holder)) return { busy: holder };
    // Being written right now, or left empty by a writer that died: the grace tells which.
    if (!holder && !olderThan(file, GRACE_MS)) {
      pause(GRACE_MS / 20);
      continue;
    }
    removeIfUnchanged(file, text);
  }
  throw new Error(`could not take the gc lock ${file}: it keeps changing; if no vidrecipe cache gc is running, delete it`);
}

/** Why a run must wait: the gc holding the lock, while it holds it; undefined when the lock is free or stale. */
export function gcHolding(state: StateDir): GcHolder | undefined {
  const file = gcLockFile(state);
  const text = readIfExists(file);
  if (text === undefined) return undefined;
  const holder = holderOf(text);
  if (!holder) return undefined;
  return stale(holder) ? undefined : holder;
}

export interface StateDirUse {
  /** The run is over (its report written): gc may delete what it used. */
  leave(): void;
}

/**
 * Announces a run in `tmp/in-use-<pid>-<random>/` and then waits while a gc holds the lock, so gc either
 * sees this run (and keeps the cache whole) or has finished before the run reads the cache.
 */
export async function enterStateDir(state: StateDir, options: { signal?: AbortSignal; onWait?: (holder: GcHolder) => void } = {}): Promise<StateDirUse> {
  const dir = join(state.tmp, `${IN_USE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
  const leave = () => rmSync(dir, { recursive: true, force: true });
  try {
    let told = false;
    for (let holder = gcHolding(state); holder; holder = gcHolding(state)) {
      if (!told) options.onWait?.(holder);
      told = true;
      await sleep(POLL_MS, undefined, { signal: options.signal });
    }
  } catch (error) {
    leave();
    throw error;
  }
  return { leave };
}

function content(token: string, at: string): string {
  const me: GcHolder = { pid: process.pid, host: hostname(), at, renewedAt: new Date().toISOString(), token };
  return JSON.stringify(me);
}

function held(file: string, token: string, at: string): HeldGcLock {
  const ours = () => holderOf(readIfExists(file) ?? '')?.token === token;
  const timer = setInterval(() => {
    try {
      if (ours()) writeFileAtomic(file, content(token, at));
    } catch {
      // The locks folder is gone: nothing left to renew.
    }
  }, RENEW_MS);
  timer.unref();
  return {
    release: () => {
      clearInterval(timer);
      if (ours()) rmSync(file, { force: true });
    },
  };
}

function stale(holder: GcHolder): boolean {
  if (holder.host === hostname()) return holder.pid !== process.pid && !processAlive(holder.pid);
  const renewed = Date.parse(holder.renewedAt);
  return Number.isNaN(renewed) || Date.now() - renewed > LEASE_MS + CLOCK_SKEW_MS;
}

function holderOf(text: string): GcHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<GcHolder>;
    if (typeof value !== 'object' || value === null) return undefined;
    if (!Number.isSafeInteger(value.pid) || typeof value.host !== 'string' || typeof value.renewedAt !== 'string') return undefined;
    return { pid: value.pid!, host: value.host, at: String(value.at ?? value.renewedAt), renewedAt: value.renewedAt, token: String(value.token ?? '') };
  } catch {
    return undefined;
  }
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > ms;
  } catch {
    return true;
  }
}

