import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OWNER_FILE } from './gc-lock.js';
import { readJournal } from './journal.js';
import { processAlive } from './lock.js';
import { lockProblem, parseRecord } from './record-guards.js';
import { RUN_ID } from './runs-index.js';
import type { StateDir } from './state-dir.js';
import type { LockHolder } from './lock.js';

/** A run that may be using the state dir right now, and what shows it. */
export interface LiveRun {
  /** Its run id, when known (a run announcing itself has none yet). */
  run?: string;
  pid: number;
  host: string;
  /** The file that shows it, relative to the state dir. */
  shown_by: string;
}

/** Who wrote a work folder of `tmp/`: the run's process and machine. */
export interface TmpOwner {
  pid: number;
  host: string;
}

const LEASE_MS = 60_000;
const CLOCK_SKEW_MS = 30_000;

export function readOwner(dir: string): TmpOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Partial<TmpOwner>;
    return Number.isSafeInteger(owner.pid) && typeof owner.host === 'string' ? { pid: owner.pid!, host: owner.host } : undefined;
  } catch {
    return undefined;
  }
}

/** An owner on this machine is alive while its process is; one on another machine cannot be asked, so it counts as alive. */
export function ownerAlive(owner: TmpOwner): boolean {
  return owner.host !== hostname() || processAlive(owner.pid);
}

/**
 * Runs that may be reading or writing the state dir now: a work folder in `tmp/` whose process lives (or
 * that is on another machine), a run folder without its report whose process lives, a step lock whose
 * holder holds it. Each is found the way the run itself writes it, so nothing a run uses goes unseen;
 * a process id reused by another program makes a dead run look alive, which only keeps more.
 */
export function liveRuns(state: StateDir, now = Date.now()): LiveRun[] {
  const found: LiveRun[] = [];
  const add = (run: LiveRun) => {
    if (!found.some((f) => f.pid === run.pid && f.host === run.host && (f.run === run.run || !run.run))) found.push(run);
  };
  for (const entry of list(state.tmp)) {
    const dir = join(state.tmp, entry);
    const owner = readOwner(dir);
    if (owner && ownerAlive(owner)) add({ run: RUN_ID.test(entry) ? entry : undefined, pid: owner.pid, host: owner.host, shown_by: `tmp/${entry}` });
  }
  for (const id of list(state.runs).filter((id) => RUN_ID.test(id))) {
    const dir = join(state.runs, id);
    if (existsSync(join(dir, 'report.json'))) continue;
    const journal = join(dir, 'journal.jsonl');
    const start = existsSync(journal) ? readJournal(journal).find((l) => l.event === 'run-start') : undefined;
    if (start?.event === 'run-start' && processAlive(start.pid)) add({ run: id, pid: start.pid, host: hostname(), shown_by: `runs/${id}/journal.jsonl` });
  }
  for (const name of list(state.locks).filter((n) => /^[0-9a-f]{64}\.lock$/.test(n))) {
    let text: string;
    try {
      text = readFileSync(join(state.locks, name), 'utf8');
    } catch {
      continue;
    }
    const parsed = parseRecord<LockHolder>(text, lockProblem);
    if (!('record' in parsed)) continue;
    const holder = parsed.record;
    const renewed = Date.parse(holder.renewedAt ?? holder.at);
    const alive = holder.host === hostname() ? processAlive(holder.pid) : !Number.isNaN(renewed) && now - renewed <= (holder.leaseMs ?? LEASE_MS) + CLOCK_SKEW_MS;
    if (alive) add({ run: holder.run, pid: holder.pid, host: holder.host, shown_by: `locks/${name}` });
  }
  return found;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
