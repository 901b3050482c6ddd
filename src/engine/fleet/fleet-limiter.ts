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
        await this.records.listening();
        while (!(await lease.takeSlot(this.account, this.slots))) {
          signal?.throwIfAborted();
          await this.records.slotFreed(SLOT_RETRY_MS, signal);
        }
        try {
          return await task();
        } finally {
          await lease.freeSlot(this.account).catch(() => {});
        }
      },
      submit: (request, signal) => this.submit(request, signal),
      pauseSubmissions: (ms) => this.pauseSubmissions(ms),
    };
  }

  async submit<T>(request: (ready: () => Promise<void>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let place: string | undefined;
    try {
      return await request(async () => {
        place = await this.reserve(signal);
      });
    } finally {
      if (place) await this.pool.query('UPDATE vidrecipe_submissions SET answered_at = clock_timestamp() WHERE id = $1', [place]).catch(() => {});
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
