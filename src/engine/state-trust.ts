import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { TaskRecord } from './tasks.js';

/**
 * Why the records of a state dir may not be this user's own, if they may not: a state dir committed to
 * the repository (records anyone with push access wrote, arriving with a pull request) or owned by
 * another user. Its blobs are still checked against their digests, but a task id it supplies is only
 * re-attached to with a notice, since re-attaching means fetching and using whatever that task made.
 */
export function stateDistrust(stateDir: string): string | undefined {
  if (!existsSync(stateDir)) return undefined;
  const tracked = trackedFiles(stateDir);
  if (tracked.length) return `it is tracked by git (${tracked.length} ${tracked.length === 1 ? 'file' : 'files'}, e.g. ${tracked[0]})`;
  const uid = process.getuid?.();
  const owner = statSync(stateDir).uid;
  if (uid !== undefined && uid !== 0 && owner !== uid) return `it belongs to another user (uid ${owner})`;
  return undefined;
}

/** Files of `dir` in git's index, as git names them; none when git is missing or `dir` is in no work tree. */
function trackedFiles(dir: string): string[] {
  const result = spawnSync('git', ['-C', dir, 'ls-files', '-z', '--full-name', '--', '.'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  if (result.status !== 0 || !result.stdout) return [];
  return result.stdout.split('\0').filter(Boolean);
}

/** Why a task record to be re-attached to was not written by this user on this machine, if it may not have been. */
export function reattachDoubt(record: TaskRecord, distrust: string | undefined): string | undefined {
  if (distrust) return `a record in a state dir this user did not write alone (${distrust})`;
  if (record.host !== undefined && record.host !== hostname()) return `a record written on another machine (${record.host})`;
  return undefined;
}
