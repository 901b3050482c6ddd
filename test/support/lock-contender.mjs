// One of several processes racing for the same step locks, for the lock tests.
// Usage: node lock-contender.mjs <locks dir> <log file> <keys…>; waits for <dir>/go, then for each key:
// acquire, log "key start pid", hold 20 ms, log "key end pid", release.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StepLocks } from '../../dist/engine/lock.js';

const [dir, log, ...keys] = process.argv.slice(2);
const locks = new StepLocks(dir, `run-${process.pid}`);
while (!existsSync(join(dir, 'go'))) await sleep(2);
for (const key of keys) {
  const lock = await locks.acquire(key);
  appendFileSync(log, `${key} start ${process.pid}\n`);
  await sleep(20);
  appendFileSync(log, `${key} end ${process.pid}\n`);
  lock.release();
}
locks.close();
