import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobDamaged, fetchBlob, shareBlob } from '../../src/engine/fleet/blobs.js';
import { FolderBlobs } from '../../src/engine/fleet/blobs-folder.js';
import { FleetLimiter } from '../../src/engine/fleet/fleet-limiter.js';
import { LeaseLost, Records, type Lease } from '../../src/engine/fleet/records.js';
import { sha256 } from '../../src/engine/hash.js';
import type { StepRecord } from '../../src/engine/step-cache.js';
import { ContentStore } from '../../src/engine/store.js';
import { startTestFleet, type TestFleet } from '../support/test-fleet.mjs';
import { makeTmpDir, removeDir } from '../support/media.js';

// The durable records of the many-machines mode on a real PostgreSQL, and the shared blobs on a folder.

let fleet: TestFleet;
let records: Records;
let dir: string;

beforeAll(async () => {
  fleet = await startTestFleet();
  records = await Records.open({ url: new URL(fleet.recordsUrl), from: 'records at test' });
  dir = await makeTmpDir('vidrecipe-fleet-records-');
}, 60_000);

afterAll(async () => {
  await records?.close();
  await fleet?.close();
  await removeDir(dir);
});

const record = (key: string, run: string): StepRecord => ({ format: 1, key, model: 'local/trim', specVersion: 1, backend: 'local', step: 'cut', run, createdAt: new Date().toISOString(), durationMs: 1, outputs: {}, costUsd: 0 });
/** A notice sent by another connection has reached this process's listener (a round trip on it follows the notice). */
const noticeHeard = async () => void (await (await records.slots.listening()).query('SELECT 1'));
const task = (key: string) => ({ key, step: 'remove', run: 'r1', backend: 'wavespeed' as const, model: 'wavespeed-ai/void-video-inpainting/mask' });

describe('leases on steps', () => {
  it('a live lease is not taken; one that ran out is, and its old holder can write nothing more', async () => {
    const key = sha256('lease-takeover');
    const first = (await records.claim(key, 'worker-a', 300)) as Lease;
    expect(first.token).toBe(1);
    expect(first.tookOver).toBe(false);
    const refused = await records.claim(key, 'worker-b', 300);
    expect(refused).toMatchObject({ heldBy: 'worker-a' });
    expect((refused as { expiresInMs: number }).expiresInMs).toBeGreaterThan(0);

    await first.tasks.intent(task(key));
    await sleep(400);
    const second = (await records.claim(key, 'worker-b', 10_000)) as Lease;
    expect([second.token, second.tookOver]).toEqual([2, true]);
    // The task record the first holder wrote is what the second re-attaches from.
    expect(await second.tasks.get(key)).toMatchObject({ state: 'intent', key });

    // The first holder, back from a stall: every write is refused, nothing it says lands.
    await expect(first.tasks.submitted((await first.tasks.get(key))!, 'task-from-a-stale-worker')).rejects.toBeInstanceOf(LeaseLost);
    await expect(first.publish(record(key, 'r1'), false, [{ store: 'test://stale', digest: sha256('stale output'), bytes: 5 }])).rejects.toBeInstanceOf(LeaseLost);
    expect((await records.usage('test://stale')).blobs).toBe(0);
    await first.tasks.clear(key);
    expect(await first.renew()).toBe(false);
    expect(first.held()).toBe(false);
    expect(await second.tasks.get(key)).toMatchObject({ state: 'intent' });
    expect(await records.step(key)).toBeUndefined();

    // The holder publishes: the record appears and the task is closed in the same transaction.
    await second.tasks.submitted((await second.tasks.get(key))!, 'task-1');
    await second.publish(record(key, 'r2'), false, [{ store: 'test://fresh', digest: sha256('output'), bytes: 6 }]);
    expect(await records.step(key)).toMatchObject({ run: 'r2' });
    expect(await second.tasks.get(key)).toBeUndefined();
    expect(await records.usage('test://fresh')).toMatchObject({ blobs: 1, bytes: 6 });
    await second.release();
    // A released lease is free at once, and its token goes on growing: a stale lease 1 never matches again.
    // The claim brings the published record with it.
    expect(await records.claim(key, 'worker-c', 1000)).toMatchObject({ token: 3, tookOver: false, published: { run: 'r2' } });
  });

  it('of several workers claiming one free step at once, exactly one gets it', async () => {
    const key = sha256('lease-race');
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => records.claim(key, `worker-${i}`, 5_000)));
    expect(claims.filter((c) => !('heldBy' in c))).toHaveLength(1);
  });

  it('a published record stays unless the step was forced', async () => {
    const key = sha256('publish-twice');
    const lease = (await records.claim(key, 'w', 5_000)) as Lease;
    await lease.publish(record(key, 'first'));
    await lease.publish(record(key, 'second'));
    expect(await records.step(key)).toMatchObject({ run: 'first' });
    await lease.publish(record(key, 'forced'), true);
    expect(await records.step(key)).toMatchObject({ run: 'forced' });
  });
});

describe('slots for tasks in flight', () => {
  it('at most the cap across every lease; freed by the holder, or by its lease running out; a freed slot wakes a waiter', async () => {
    const account = 'wavespeed:test-slots';
    const leases = await Promise.all(['s1', 's2', 's3'].map(async (k, i) => (await records.claim(sha256(k), `w${i}`, i === 1 ? 2_000 : 10_000)) as Lease));
    expect(await leases[0]!.takeSlot(account, 2)).toBe(true);
    expect(await leases[1]!.takeSlot(account, 2)).toBe(true);
    expect(await leases[2]!.takeSlot(account, 2)).toBe(false);
    // Asking again for a slot one holds is not a second slot.
    expect(await leases[0]!.takeSlot(account, 2)).toBe(true);

    await records.slots.listening();
    const watch = records.slots.watch();
    const woken = watch.next(60_000);
    await leases[0]!.freeSlot(account);
    expect(await woken).toBe('notice');
    watch.close();
    expect(await leases[2]!.takeSlot(account, 2)).toBe(true);

    // The second holder dies: once its lease has run out, its slot no longer counts.
    expect(await leases[0]!.takeSlot(account, 2)).toBe(false);
    await sleep(2_100);
    expect(await leases[0]!.takeSlot(account, 2)).toBe(true);
    // And its own writes are refused after a takeover.
    await records.claim(sha256('s2'), 'w9', 10_000);
    await expect(leases[1]!.takeSlot(account, 2)).rejects.toBeInstanceOf(LeaseLost);
  });

  it('a notice that comes while a step asks for a slot is kept for it; one unused goes to the next step watching; one notice wakes one step', async () => {
    const account = 'wavespeed:test-watch';
    const [a, b, c] = await Promise.all(['w1', 'w2', 'w3'].map(async (k, i) => (await records.claim(sha256(k), `w${i}`, 10_000)) as Lease));
    expect(await a!.takeSlot(account, 1)).toBe(true);
    await records.slots.listening();
    const first = records.slots.watch();
    const second = records.slots.watch();
    // b asks and is refused; a frees its slot before b begins to wait.
    expect(await b!.takeSlot(account, 1)).toBe(false);
    await a!.freeSlot(account);
    await noticeHeard();
    expect(await first.next(60_000)).toBe('notice');
    // The one notice went to the oldest watch only.
    expect(await second.next(300)).toBe('timeout');

    // A watch whose step got its slot otherwise hands the notice it held to the next one.
    expect(await b!.takeSlot(account, 1)).toBe(true);
    await b!.freeSlot(account);
    await noticeHeard();
    first.close();
    expect(await second.next(60_000)).toBe('notice');
    second.close();
    expect(await c!.takeSlot(account, 1)).toBe(true);
  });

  it('a slot handed from one lease to another stays one slot; not to a lease that ended, nor from one that holds none', async () => {
    const account = 'wavespeed:test-pass';
    const [a, b, c] = await Promise.all(['p1', 'p2', 'p3'].map(async (k, i) => (await records.claim(sha256(k), `w${i}`, 10_000)) as Lease));
    expect(await a!.takeSlot(account, 1)).toBe(true);
    expect(await a!.passSlot(account, b!)).toBe('passed');
    // Still one in flight: b holds it now, so neither a nor c gets another.
    expect(await c!.takeSlot(account, 1)).toBe(false);
    expect(await a!.takeSlot(account, 1)).toBe(false);
    expect(await a!.passSlot(account, c!)).toBe('not-held');
    await c!.release();
    expect(await b!.passSlot(account, c!)).toBe('target-gone');
    expect(await b!.takeSlot(account, 1)).toBe(true);
    expect((await records.usage('none')).inFlight).toContainEqual({ account, count: 1 });
  });

  it("a worker's step that ends hands its slot to the worker's next step in line, without waking other machines", async () => {
    const account = 'wavespeed:test-handoff';
    const limiter = new FleetLimiter(records, account, { concurrency: 1, submissions: Infinity, intervalMs: 1000, pollIntervalMs: 1000 }, async () => {});
    const [a, b] = await Promise.all(['h1', 'h2'].map(async (k, i) => (await records.claim(sha256(k), `w${i}`, 10_000)) as Lease));
    // Another machine, listening for freed slots.
    const other = new pg.Client({ connectionString: fleet.recordsUrl });
    await other.connect();
    const notices: string[] = [];
    other.on('notification', (n) => notices.push(n.payload ?? ''));
    await other.query('LISTEN vidrecipe_slots');
    try {
      const order: string[] = [];
      let endA!: () => void;
      const runA = limiter.forLease(a!).withSlot(async () => {
        order.push('a runs');
        await new Promise<void>((resolve) => (endA = resolve));
        order.push('a ends');
      });
      while (!order.length) await sleep(10);
      const runB = limiter.forLease(b!).withSlot(async () => {
        order.push('b runs');
        expect((await records.usage('none')).inFlight).toContainEqual({ account, count: 1 });
      });
      // b waits in line (the only slot is a's) until a ends.
      while (limiter.inLine === 0) await sleep(10);
      endA();
      await Promise.all([runA, runB]);
      expect(order).toEqual(['a runs', 'a ends', 'b runs']);
      // The hand-over notified nobody; b, with none in line after it, freed its slot for every machine.
      // (A session gets the notices committed before its query ends by the query's end.)
      await other.query('SELECT 1');
      expect(notices).toEqual([account]);
    } finally {
      await other.end();
    }
  });
});

describe("the account's window of submissions", () => {
  it('a submission waiting for room in the window has not begun its request (nor written its intent)', async () => {
    // One submission per 60 s: the second waits for the window.
    const limiter = new FleetLimiter(records, 'wavespeed:test-window', { concurrency: 5, submissions: 1, intervalMs: 60_000, pollIntervalMs: 1000 }, async () => {});
    const begun: string[] = [];
    expect(await limiter.submit(async () => (begun.push('first'), 'sent'))).toBe('sent');
    const stop = new AbortController();
    const second = limiter.submit(async () => (begun.push('second'), 'sent'), stop.signal);
    await sleep(500);
    stop.abort(new Error('worker killed'));
    await expect(second).rejects.toBeInstanceOf(Error);
    expect(begun).toEqual(['first']);
  });
});

describe('blobs in a shared folder', () => {
  it('come back byte for byte, and a damaged one is refused and never enters the local store', async () => {
    const shared = new FolderBlobs(join(dir, 'nas'));
    mkdirSync(join(dir, 'nas'), { recursive: true });
    const local = new ContentStore(join(dir, 'local'));
    const file = join(dir, 'clip.bin');
    writeFileSync(file, 'frames');
    const digest = sha256('frames');
    expect(await shareBlob(shared, digest, file)).toBe(6);
    expect(await fetchBlob(shared, digest, local)).toBe(true);
    expect(local.has(digest)).toBe(true);

    // Steps starting together on one worker share one download of a blob they all read.
    let opened = 0;
    const counting = { name: shared.name, has: (d: string) => shared.has(d), put: (d: string, f: string) => shared.put(d, f), open: (d: string) => (opened++, shared.open(d)), close: () => shared.close() };
    const fresh = new ContentStore(join(dir, 'fresh'));
    expect(await Promise.all([1, 2, 3, 4].map(() => fetchBlob(counting, digest, fresh)))).toEqual([true, true, true, true]);
    expect(opened).toBe(1);

    const other = sha256('other frames');
    expect(await fetchBlob(shared, other, local)).toBe(false);
    mkdirSync(join(dir, 'nas', 'cas'), { recursive: true });
    writeFileSync(join(dir, 'nas', 'cas', other), 'not those frames');
    await expect(fetchBlob(shared, other, local)).rejects.toBeInstanceOf(BlobDamaged);
    expect(local.has(other)).toBe(false);
  });
});
