import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OWNER_FILE } from './gc-lock.js';
import { ownerAlive, readOwner } from './live-runs.js';

/**
 * A work folder `tmp/<name>` of this process (a run's, a worker's), signed with its owner so `cache gc`
 * sees it in use and a later process can tell it abandoned. Folders of processes that died without
 * cleaning up (kill -9, power loss) are removed first: their finished steps are already in the store, what
 * is left is half-written output.
 */
export function openWorkFolder(tmp: string, name: string): string {
  removeAbandonedWork(tmp);
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() }));
  return dir;
}

function removeAbandonedWork(tmp: string): void {
  let entries: string[];
  try {
    entries = readdirSync(tmp);
  } catch {
    return;
  }
  for (const entry of entries) {
    // Not ours, or being created right now (no owner yet): left alone.
    const owner = readOwner(join(tmp, entry));
    if (owner && !ownerAlive(owner)) rmSync(join(tmp, entry), { recursive: true, force: true });
  }
}
