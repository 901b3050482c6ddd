// One holder of one step lock, driven over stdin, for the lease tests.
// Usage: node lock-holder.mjs <locks dir> <key> <lease ms>; prints "held" once it holds the lock, then
// answers each stdin line: "check" → "held" or "lost" (confirm()), "release" → releases and exits.
import { createInterface } from 'node:readline';
import { StepLocks } from '../../dist/engine/lock.js';

const [dir, key, leaseMs] = process.argv.slice(2);
const locks = new StepLocks(dir, `run-${process.pid}`, undefined, { leaseMs: Number(leaseMs) });
const lock = await locks.acquire(key);
process.stdout.write('held\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'check') process.stdout.write(`${lock.confirm() ? 'held' : 'lost'}\n`);
  if (line === 'release') {
    lock.release();
    locks.close();
    process.exit(0);
  }
}
