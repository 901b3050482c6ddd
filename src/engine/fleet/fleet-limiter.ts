import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { rateWindow, type BackendLimits } from '../config.js';
import type { SubmitLimiter } from '../limiter.js';
import type { Lease, Records } from './records.js';

/** A submission whose worker died before the answer came counts as answered this long after it left. */
const STALE_MS = 60_000;
/**
 * A step waiting for a slot asks again at least this often, should a notice be lost. Not often: dozens of
 * steps waiting on every machine, each asking under the account's one lock, would delay the one a freed
 * slot woke.
 */
const SLOT_RETRY_MS = 2_000;

/** A step of this worker in line for a slot. */
interface SlotWaiter {
  lease: Lease;
  /** Resolves once a step of this worker took it out of line: true when it handed it its slot. */
  handed: Promise<boolean>;
  hand(got: boolean): void;
}

/**
 * One provider account's limits shared by every worker, kept in PostgreSQL: the tasks in flight, each
 * slot held on the step's lease from its submit to the provider's final answer (as on one machine:
 * uploads before and the download after take none), and the submission window. BullMQ's global
 * concurrency bounds the steps active (preparing, in flight, finishing) and its limiter paces their
 * starts, but a job is active from before its uploads to after its download, and BullMQ's limiter is a
 * fixed window over jobs *started* (up to twice the rate in a sliding window), while the provider counts
 * tasks running and requests arriving in a sliding window. Each place is taken by the database's clock,
 * one clock for every machine.
 */
export class FleetLimiter {
  private readonly cap: number;
  private readonly intervalMs: number;

  constructor(
    private readonly records: Records,
    /** The account's name in the window: the provider and a fingerprint of its key. */
    private readonly account: string,
    limits: BackendLimits,
    /** Also holds the queue (no job starts) while a 429's pause lasts. */
    private readonly onPause: (ms: number) => Promise<void>,
  ) {
    // No rate limit: a window that never fills.
    const rate = rateWindow(limits) ?? { cap: 2 ** 31 - 1, intervalMs: 0 };
    this.cap = rate.cap;
    this.intervalMs = rate.intervalMs;
    this.slots = limits.concurrency;
  }

  private readonly slots: number;

  private get pool(): pg.Pool {
    return this.records.pool;
  }

  /** The limits as one step under `lease` sees them: its slot for the task in flight lives on its lease. */
  forLease(lease: Lease): SubmitLimiter {
    return {
      withUpload: (task) => task(),
      withSlot: async (task, signal) => {
        await this.takeSlot(lease, signal);
        try {
          return await task();
        } finally {
          await this.giveSlot(lease).catch(() => {});
        }
      },
      submit: (request, signal) => this.submit(request, signal),
      pauseSubmissions: (ms) => this.pauseSubmissions(ms),
    };
  }

  /**
   * This worker's steps waiting for a slot, oldest first: a step of this worker that ends hands its slot
   * to the first of them (one query, no notice), so only a worker with none waiting wakes the others.
   */
  private readonly waiting: SlotWaiter[] = [];

  /** How many of this worker's steps wait in line for a slot. */
  get inLine(): number {
    return this.waiting.length;
  }

  private async takeSlot(lease: Lease, signal?: AbortSignal): Promise<void> {
    await this.records.slots.listening();
    // Watching from before the first ask: a slot freed while an ask is on its way is not missed.
    const watch = this.records.slots.watch();
    try {
      for (let got = await lease.takeSlot(this.account, this.slots); !got; got = await lease.takeSlot(this.account, this.slots)) {
        signal?.throwIfAborted();
        let hand!: (got: boolean) => void;
        const waiter: SlotWaiter = { lease, handed: new Promise<boolean>((resolve) => (hand = resolve)), hand: (got) => hand(got) };
        this.waiting.push(waiter);
        // Woken by a notice, by the periodic retry, or by this worker's step that hands it its slot.
        const done = new AbortController();
        await Promise.race([waiter.handed, watch.next(SLOT_RETRY_MS, signal ? AbortSignal.any([signal, done.signal]) : done.signal)]);
        done.abort();
        const at = this.waiting.indexOf(waiter);
        // Still in line: no step is handing it a slot, so it asks for a free one itself.
        if (at >= 0) this.waiting.splice(at, 1);
        else if (await waiter.handed) {
          // Handed a slot while being stopped: it goes on to the next in line.
          if (signal?.aborted) await this.giveSlot(lease).catch(() => {});
          signal?.throwIfAborted();
          return;
        }
      }
    } finally {
      watch.close();
    }
  }

  /** The step's slot to the first of this worker's steps in line for one, or back to every machine. */
  private async giveSlot(lease: Lease): Promise<void> {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      const passed = await lease.passSlot(this.account, next.lease).catch(() => 'target-gone' as const);
      next.hand(passed === 'passed');
      if (passed === 'passed') return;
      // Not handed: that step asks for a slot itself; with no slot of our own to hand, it is only freed.
      if (passed === 'not-held') break;
    }
    await lease.freeSlot(this.account);
  }

  /**
   * Takes the submission's place in the account's window first, then runs `request`: the step writes its
   * intent only once the request can leave, so a worker killed while it waits for the window leaves no
   * unanswered submit behind (which would stop the step until someone checked the provider's task list).
   * The place counts from the answer, as on one machine.
   */
  async submit<T>(request: (ready: () => Promise<void>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const place = await this.reserve(signal);
    try {
      return await request(async () => {});
    } finally {
      await this.pool.query('UPDATE vidrecipe_submissions SET answered_at = clock_timestamp() WHERE id = $1', [place]).catch(() => {});
    }
  }

  private async reserve(signal?: AbortSignal): Promise<string> {
    for (;;) {
      signal?.throwIfAborted();
      const { rows } = await this.pool.query<{ id: string | null; wait_ms: number }>('SELECT id, wait_ms FROM vidrecipe_reserve($1, $2, $3, $4)', [this.account, this.cap, this.intervalMs, STALE_MS]);
      const row = rows[0]!;
      if (row.id !== null) return row.id;
      await sleep(Math.max(1, Math.ceil(row.wait_ms)), undefined, { signal });
    }
  }

  /** A 429: every worker's next submission of this account waits until then, and no new job starts. */
  async pauseSubmissions(ms: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO vidrecipe_pauses AS p (account, resume_at) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (account) DO UPDATE SET resume_at = greatest(p.resume_at, EXCLUDED.resume_at)`,
      [this.account, ms],
    );
    await this.onPause(ms).catch(() => {});
  }
}
