import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { BackendLimits } from '../config.js';
import type { SubmitLimiter } from '../limiter.js';

/** A submission whose worker died before the answer came counts as answered this long after it left. */
const STALE_MS = 60_000;

/**
 * One provider account's limits shared by every worker. Tasks in flight are held by the queue (BullMQ's
 * global concurrency: a step's job is active while it runs); the submission window is kept here, in
 * PostgreSQL, because BullMQ's limiter is a fixed window over jobs *started* (up to twice the rate in a
 * sliding window, and a job starts before its uploads) while the provider counts requests arriving in
 * a sliding window. Each place is taken by the database's clock, one clock for every machine.
 */
export class FleetLimiter implements SubmitLimiter {
  private readonly cap: number;
  private readonly intervalMs: number;

  constructor(
    private readonly pool: pg.Pool,
    /** The account's name in the window: the provider and a fingerprint of its key. */
    private readonly account: string,
    limits: BackendLimits,
    /** Also holds the queue (no job starts) while a 429's pause lasts. */
    private readonly onPause: (ms: number) => Promise<void>,
  ) {
    // As on one machine: a fractional rate is one submission per 1/rate, never rounded up.
    const whole = Number.isInteger(limits.submissions);
    this.cap = Number.isFinite(limits.submissions) ? (whole ? limits.submissions : 1) : 2 ** 31 - 1;
    this.intervalMs = Number.isFinite(limits.submissions) ? (whole ? limits.intervalMs : Math.ceil(limits.intervalMs / limits.submissions)) : 0;
  }

  withUpload<T>(task: () => Promise<T>): Promise<T> {
    return task();
  }

  withSlot<T>(task: () => Promise<T>): Promise<T> {
    return task();
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
