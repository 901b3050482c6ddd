import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A temp name beside `path`: unique per process and call, so concurrent writers never share one. */
export function tempBeside(path: string): string {
  // A random part drawn once (a pid is reused by a later process) and a counter: random bytes per call cost
  // more than the write of a small record.
  return join(dirname(path), `.${basename(path)}.${process.pid}.${TEMP_PREFIX}${(tempCount++).toString(36)}.tmp`);
}

const TEMP_PREFIX = randomBytes(4).toString('hex');
let tempCount = 0;

/**
 * Writes a whole file or nothing: readers see the old content or the new, never half. `durable` also
 * flushes to disk before the rename, for records whose loss could mean paying twice.
 */
export function writeFileAtomic(path: string, data: string, durable = false): void {
  const temp = tempBeside(path);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, data);
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
}
