import { hostname } from 'node:os';
import pg from 'pg';
import type { StepRecord } from '../step-cache.js';
import type { TaskBook, TaskRecord } from '../tasks.js';
import { causeText, errorCode, ServiceError } from './service-error.js';
import type { ServiceSetting } from './settings.js';
import { SlotNotices } from './slot-notices.js';

/**
 * The durable half of the many-machines mode, in PostgreSQL: the never-pay-twice records (intent before
 * a submit, task id after), the index of the shared cache, the leases on steps and the account's
 * submission window. Redis may lose everything it holds; nothing here is kept there.
 *
 * Every write a worker makes for a step goes through its {@link Lease}: it names the lease's token and
 * does nothing when another worker has taken the step over meanwhile, so a worker cut off from the
 * network and replaced can never overwrite its successor's records.
 */
export class Records {
  private constructor(
    readonly pool: pg.Pool,
    private readonly setting: ServiceSetting,
  ) {}

  /**
   * Connects, checks the credentials and creates the tables when missing; a clear {@link ServiceError}
   * otherwise. `kept` connections are opened now and held open while idle (a worker's), so a burst of
   * steps does not wait to connect.
   */
  static async open(setting: ServiceSetting, kept = 0): Promise<Records> {
    // A worker runs dozens of steps at once, each a few short queries at its start and end: with fewer
    // connections they queue for one and the account's freed slots wait with them.
    const pool = new pg.Pool({ connectionString: setting.url.href, connectionTimeoutMillis: 5_000, max: 20, min: kept, idleTimeoutMillis: 10_000, application_name: 'vidrecipe' });
    // A connection dropped while idle must not crash the process; the next query reconnects or fails.
    pool.on('error', () => {});
    const records = new Records(pool, setting);
    try {
      await records.migrate();
      // Opened now, beside the one the schema check used.
      const clients = await Promise.all(Array.from({ length: Math.max(0, kept - 1) }, () => pool.connect()));
      for (const client of clients) client.release();
    } catch (error) {
      await pool.end().catch(() => {});
      throw records.explain(error);
    }
    return records;
  }

  private explain(error: unknown): Error {
    const code = errorCode(error);
    const where = `${this.setting.url.hostname}:${this.setting.url.port || 5432}`;
    if (code === '28P01' || code === '28000') return new ServiceError(this.setting, `PostgreSQL refused the credentials (${causeText(error)})`, 'check the user in the URL and PGPASSWORD in the environment', { cause: error });
    if (code === '3D000') return new ServiceError(this.setting, `the database does not exist (${causeText(error)})`, `create it (createdb ${this.setting.url.pathname.slice(1) || 'vidrecipe'}) or name another in the URL`, { cause: error });
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || /timeout/i.test(causeText(error)))
      return new ServiceError(this.setting, `PostgreSQL does not answer at ${where} (${causeText(error)})`, 'start it (docs/running.md, "Running on many machines") or fix the URL', { cause: error });
    return new ServiceError(this.setting, `PostgreSQL failed: ${causeText(error)}`, 'check the server and the URL', { cause: error });
  }

  /** Freed slots announced by any machine, heard by this process's steps waiting for one. */
  readonly slots = new SlotNotices(() => new pg.Client({ connectionString: this.setting.url.href, connectionTimeoutMillis: 5_000, application_name: 'vidrecipe-listen' }));

  async close(): Promise<void> {
    await this.slots.close();
    await this.pool.end();
  }

  private migrate(): Promise<void> {
    return transaction(this.pool, async (client) => {
      // Two machines starting at once would both create the tables: one waits for the other.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('vidrecipe-schema'))`);
      await client.query(SCHEMA);
    });
  }

  /** The finished steps of `keys` in the shared cache, by key: those it has. */
  async steps(keys: readonly string[]): Promise<Map<string, StepRecord>> {
    const { rows } = await this.pool.query<{ key: string; record: StepRecord }>('SELECT key, record FROM vidrecipe_steps WHERE key = ANY($1)', [keys]);
    return new Map(rows.map((r) => [r.key, r.record]));
  }

  /** The finished step of `key` in the shared cache, if any. */
  async step(key: string): Promise<StepRecord | undefined> {
    return (await this.steps([key])).get(key);
  }

  /**
   * A blob is in the shared store named `store` (`s3://bucket/prefix`): counted for `status`. Only a count:
   * whether a blob is there is asked of the store itself, which may have been emptied or replaced.
   */
  async blobStored(store: string, digest: string, bytes: number): Promise<void> {
    await this.pool.query('INSERT INTO vidrecipe_blobs (store, digest, bytes) VALUES ($1, $2, $3) ON CONFLICT (store, digest) DO NOTHING', [store, digest, bytes]);
  }

  /** What `vidrecipe status` shows of the durable side, for the blob store named `store`. */
  async usage(store: string): Promise<{ steps: number; blobs: number; bytes: number; openTasks: { backend: string; state: string; count: number }[]; leases: number; inFlight: { account: string; count: number }[] }> {
    const [steps, blobs, tasks, leases, inFlight] = await Promise.all([
      this.pool.query<{ n: string }>('SELECT count(*) AS n FROM vidrecipe_steps'),
      this.pool.query<{ n: string; bytes: string | null }>('SELECT count(*) AS n, sum(bytes) AS bytes FROM vidrecipe_blobs WHERE store = $1', [store]),
      this.pool.query<{ backend: string; state: string; n: string }>(`SELECT record->>'backend' AS backend, record->>'state' AS state, count(*) AS n FROM vidrecipe_tasks GROUP BY 1, 2 ORDER BY 1, 2`),
      this.pool.query<{ n: string }>('SELECT count(*) AS n FROM vidrecipe_leases WHERE expires_at > clock_timestamp()'),
      this.pool.query<{ account: string; n: string }>('SELECT in_flight AS account, count(*) AS n FROM vidrecipe_leases WHERE in_flight IS NOT NULL AND expires_at > clock_timestamp() GROUP BY 1 ORDER BY 1'),
    ]);
    return {
      steps: Number(steps.rows[0]!.n),
      blobs: Number(blobs.rows[0]!.n),
      bytes: Number(blobs.rows[0]!.bytes ?? 0),
      openTasks: tasks.rows.map((r) => ({ backend: r.backend, state: r.state, count: Number(r.n) })),
      leases: Number(leases.rows[0]!.n),
      inFlight: inFlight.rows.map((r) => ({ account: r.account, count: Number(r.n) })),
    };
  }

  /**
   * Takes the step `key` for this worker: free, or held by a lease that ran out (its worker died or was
   * cut off) — then the token grows, and the old holder's writes no longer land. Held by a live lease:
   * how long until it runs out, by the database's clock (one clock for every machine).
   */
  async claim(key: string, holder: string, leaseMs: number): Promise<Lease | { heldBy: string; expiresInMs: number }> {
    // `taken`: the lease before ran out instead of being released (its holder died or was cut off).
    // `published`: the step's record, should it be in the shared cache already (in the same round trip).
    const { rows } = await this.pool.query<{ token: string; taken: boolean | null; published: StepRecord | null }>(
      `WITH before AS (SELECT expires_at > '-infinity' AS ran_out FROM vidrecipe_leases WHERE key = $1)
       INSERT INTO vidrecipe_leases AS l (key, token, holder, expires_at) VALUES ($1, 1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET token = l.token + 1, holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE l.expires_at < clock_timestamp()
       RETURNING token, (SELECT ran_out FROM before) AS taken, (SELECT record FROM vidrecipe_steps WHERE key = $1) AS published`,
      [key, holder, leaseMs],
    );
    if (rows[0]) return new Lease(this.pool, key, Number(rows[0].token), holder, leaseMs, rows[0].taken === true, rows[0].published ?? undefined);
    const held = await this.pool.query<{ holder: string; ms: string }>(`SELECT holder, greatest(0, extract(epoch FROM expires_at - clock_timestamp()) * 1000) AS ms FROM vidrecipe_leases WHERE key = $1`, [key]);
    const row = held.rows[0];
    // Gone between the two statements (the tables were emptied by hand): free now.
    if (!row) return this.claim(key, holder, leaseMs);
    return { heldBy: row.holder, expiresInMs: Math.ceil(Number(row.ms)) };
  }
}

/** A blob put in the shared store named `store`, counted for `status`. */
export interface StoredBlob {
  store: string;
  digest: string;
  bytes: number;
}

/** The step's lease was taken over by another worker: this one must write nothing more for it. */
export class LeaseLost extends Error {
  override name = 'LeaseLost';
}

/** One worker's hold on one step, with the writes that only the holder may make. */
export class Lease {
  /** Until when (this process's clock) the lease is surely ours: renewed well before it runs out. */
  private validUntil: number;
  private lost = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly key: string,
    readonly token: number,
    readonly holder: string,
    readonly leaseMs: number,
    /** The step was held by a worker whose lease ran out: it is taken over, and its task re-attached to. */
    readonly tookOver: boolean,
    /** The step's record in the shared cache when the lease was taken, if it was there. */
    readonly published?: StepRecord,
  ) {
    this.validUntil = Date.now() + leaseMs;
  }

  /** Whether the lease is still ours by what we know; every write checks the token in the database anyway. */
  held(): boolean {
    return !this.lost && Date.now() < this.validUntil;
  }

  /** Extends the lease; false when another worker has taken it (then nothing more is written). */
  async renew(): Promise<boolean> {
    const asked = Date.now();
    const { rowCount } = await this.pool.query(`UPDATE vidrecipe_leases SET expires_at = clock_timestamp() + $3 * interval '1 millisecond' WHERE key = $1 AND token = $2`, [this.key, this.token, this.leaseMs]);
    if (!rowCount) this.lost = true;
    else this.validUntil = asked + this.leaseMs;
    return !this.lost;
  }

  /**
   * Ends the lease now. The row stays, with its token: deleting it would let the next claim start again at
   * token 1, which a stale holder of an old lease 1 could then write with.
   */
  async release(): Promise<void> {
    await this.pool.query(`UPDATE vidrecipe_leases SET expires_at = '-infinity', in_flight = NULL WHERE key = $1 AND token = $2`, [this.key, this.token]);
  }

  /**
   * Takes one of `account`'s `cap` slots for tasks in flight, counted over every machine's live leases:
   * true when taken (or this step holds one already), false when they are all taken. A slot lives on the
   * lease: it goes with the lease's end, so a dead worker's slot is free once its lease has run out.
   */
  async takeSlot(account: string, cap: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ got: number }>('SELECT vidrecipe_take_slot($1, $2, $3, $4) AS got', [account, this.key, this.token, cap]);
    const got = rows[0]!.got;
    if (got < 0) throw this.lostError();
    return got > 0;
  }

  /**
   * Hands this step's slot straight to `to`, a step of this worker waiting for one: no notice, and no
   * other machine racing for it. 'target-gone' when `to`'s lease is no longer live (try the next waiter),
   * 'not-held' when this lease holds no live slot to hand (free it instead).
   */
  async passSlot(account: string, to: Lease): Promise<'passed' | 'target-gone' | 'not-held'> {
    const { rows } = await this.pool.query<{ passed: number }>('SELECT vidrecipe_pass_slot($1, $2, $3, $4, $5) AS passed', [account, this.key, this.token, to.key, to.token]);
    const passed = rows[0]!.passed;
    return passed > 0 ? 'passed' : passed === 0 ? 'target-gone' : 'not-held';
  }

  /** Gives the slot back (the provider answered) and wakes the machines waiting for one. */
  async freeSlot(account: string): Promise<void> {
    await this.pool.query('SELECT vidrecipe_free_slot($1, $2, $3)', [account, this.key, this.token]);
  }

  /** The task records of this step, written only while the lease is this worker's. */
  readonly tasks: TaskBook = {
    get: async (key) => {
      const { rows } = await this.pool.query<{ record: TaskRecord }>('SELECT record FROM vidrecipe_tasks WHERE key = $1', [key]);
      return rows[0]?.record;
    },
    intent: async (record) => {
      const full: TaskRecord = { ...record, state: 'intent', intentAt: new Date().toISOString(), host: hostname() };
      await this.write(full);
      return full;
    },
    submitted: async (record, taskId) => {
      const full: TaskRecord = { ...record, state: 'submitted', taskId, submittedAt: new Date().toISOString() };
      await this.write(full);
      return full;
    },
    clear: async (key) => {
      await this.guarded('DELETE FROM vidrecipe_tasks WHERE key = $3::text AND EXISTS (SELECT 1 FROM lease)', [key]);
    },
  };

  private async write(record: TaskRecord): Promise<void> {
    await this.guarded(
      `INSERT INTO vidrecipe_tasks (key, record) SELECT $3::text, $4::jsonb FROM lease
       ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record, updated_at = clock_timestamp()`,
      [record.key, JSON.stringify(record)],
      true,
    );
  }

  /**
   * Publishes the finished step (its blobs are already stored, and counted in `blobs` for `status`) and
   * closes its task, in one statement under the lease: one round trip, all of it or none. A record
   * already there stays, unless `replace` (`--force` asked for a new result).
   */
  async publish(record: StepRecord, replace = false, blobs: readonly StoredBlob[] = []): Promise<void> {
    const { rows } = await this.pool.query<{ held: number }>(
      `WITH lease AS (SELECT 1 FROM vidrecipe_leases WHERE key = $1 AND token = $2 FOR UPDATE),
       step AS (INSERT INTO vidrecipe_steps (key, record) SELECT $1, $3::jsonb FROM lease
         ON CONFLICT (key) DO ${replace ? 'UPDATE SET record = EXCLUDED.record, created_at = clock_timestamp()' : 'NOTHING'}),
       task AS (DELETE FROM vidrecipe_tasks WHERE key = $1 AND EXISTS (SELECT 1 FROM lease)),
       blob AS (INSERT INTO vidrecipe_blobs (store, digest, bytes) SELECT b.* FROM unnest($4::text[], $5::text[], $6::bigint[]) AS b, lease
         ON CONFLICT (store, digest) DO NOTHING)
       SELECT count(*)::int AS held FROM lease`,
      [this.key, this.token, JSON.stringify(record), blobs.map((b) => b.store), blobs.map((b) => b.digest), blobs.map((b) => b.bytes)],
    );
    if (!rows[0]!.held) throw this.lostError();
  }

  /** Runs `sql` with `lease` bound to this lease's row (locked): affects nothing once another worker took it. */
  private async guarded(sql: string, params: unknown[], mustLand = false): Promise<void> {
    const { rowCount } = await this.pool.query(`WITH lease AS (SELECT 1 FROM vidrecipe_leases WHERE key = $1 AND token = $2 FOR UPDATE) ${sql}`, [this.key, this.token, ...params]);
    if (mustLand && !rowCount) throw this.lostError();
  }

  private lostError(): LeaseLost {
    this.lost = true;
    return new LeaseLost(`another worker took over this step (its lease ran out: this worker stalled or lost the network); nothing more was written for it`);
  }
}

/** Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
async function transaction(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS vidrecipe_leases (key text PRIMARY KEY, token bigint NOT NULL, holder text NOT NULL, expires_at timestamptz NOT NULL);
-- The account whose slot for a task in flight the step holds, from its submit to the provider's answer.
ALTER TABLE vidrecipe_leases ADD COLUMN IF NOT EXISTS in_flight text;
CREATE INDEX IF NOT EXISTS vidrecipe_leases_in_flight ON vidrecipe_leases (in_flight) WHERE in_flight IS NOT NULL;
CREATE TABLE IF NOT EXISTS vidrecipe_tasks (key text PRIMARY KEY, record jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE IF NOT EXISTS vidrecipe_steps (key text PRIMARY KEY, record jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE IF NOT EXISTS vidrecipe_blobs (store text NOT NULL, digest text NOT NULL, bytes bigint NOT NULL, stored_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (store, digest));
CREATE TABLE IF NOT EXISTS vidrecipe_submissions (id bigserial PRIMARY KEY, account text NOT NULL, sent_at timestamptz NOT NULL, answered_at timestamptz);
CREATE INDEX IF NOT EXISTS vidrecipe_submissions_account ON vidrecipe_submissions (account, answered_at);
CREATE TABLE IF NOT EXISTS vidrecipe_pauses (account text PRIMARY KEY, resume_at timestamptz NOT NULL);
-- A slot for a task in flight: 1 taken (or held already), 0 all taken, -1 the lease is not the caller's.
CREATE OR REPLACE FUNCTION vidrecipe_take_slot(p_account text, p_key text, p_token bigint, p_cap int)
RETURNS int LANGUAGE plpgsql AS $fn$
DECLARE
  n int;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('vidrecipe-slots:' || p_account));
  PERFORM 1 FROM vidrecipe_leases WHERE key = p_key AND token = p_token;
  IF NOT FOUND THEN
    RETURN -1;
  END IF;
  SELECT count(*) INTO n FROM vidrecipe_leases l
    WHERE l.in_flight = p_account AND l.expires_at > clock_timestamp() AND l.key <> p_key;
  IF n >= p_cap THEN
    RETURN 0;
  END IF;
  UPDATE vidrecipe_leases SET in_flight = p_account WHERE key = p_key AND token = p_token;
  RETURN 1;
END
$fn$;
CREATE OR REPLACE FUNCTION vidrecipe_free_slot(p_account text, p_key text, p_token bigint)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE vidrecipe_leases SET in_flight = NULL WHERE key = p_key AND token = p_token;
  PERFORM pg_notify('vidrecipe_slots', p_account);
END
$fn$;
-- Moves a slot from one live lease to another of the same account in one transaction, so the count in
-- flight never changes: 1 passed, 0 the receiving lease is gone, -1 the giving lease holds no live slot.
CREATE OR REPLACE FUNCTION vidrecipe_pass_slot(p_account text, p_key text, p_token bigint, p_to_key text, p_to_token bigint)
RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM vidrecipe_leases WHERE key = p_to_key AND token = p_to_token AND expires_at > clock_timestamp() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  UPDATE vidrecipe_leases SET in_flight = NULL
    WHERE key = p_key AND token = p_token AND in_flight = p_account AND expires_at > clock_timestamp();
  IF NOT FOUND THEN
    RETURN -1;
  END IF;
  UPDATE vidrecipe_leases SET in_flight = p_account WHERE key = p_to_key AND token = p_to_token;
  RETURN 1;
END
$fn$;
-- One round trip per submission: the account's window is read and extended under one lock, by the
-- database's clock. A submission counts from its answer; one never answered (its worker died) from its
-- send plus p_stale_ms. Returns the id of the reserved place, or how long to wait before asking again.
CREATE OR REPLACE FUNCTION vidrecipe_reserve(p_account text, p_cap int, p_interval_ms double precision, p_stale_ms double precision)
RETURNS TABLE (id bigint, wait_ms double precision) LANGUAGE plpgsql AS $fn$
DECLARE
  now_ts timestamptz;
  pause_left double precision;
  n int;
  oldest timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('vidrecipe-window:' || p_account));
  now_ts := clock_timestamp();
  SELECT extract(epoch FROM p.resume_at - now_ts) * 1000 INTO pause_left FROM vidrecipe_pauses p WHERE p.account = p_account;
  IF pause_left > 0 THEN
    RETURN QUERY SELECT NULL::bigint, pause_left;
    RETURN;
  END IF;
  DELETE FROM vidrecipe_submissions s WHERE s.account = p_account
    AND coalesce(s.answered_at, s.sent_at + p_stale_ms * interval '1 millisecond') <= now_ts - p_interval_ms * interval '1 millisecond';
  SELECT count(*), min(coalesce(s.answered_at, s.sent_at + p_stale_ms * interval '1 millisecond')) INTO n, oldest
    FROM vidrecipe_submissions s WHERE s.account = p_account;
  IF n < p_cap THEN
    RETURN QUERY INSERT INTO vidrecipe_submissions AS s (account, sent_at) VALUES (p_account, now_ts) RETURNING s.id, 0::double precision;
    RETURN;
  END IF;
  -- Full with none answered yet: look again soon.
  RETURN QUERY SELECT NULL::bigint,
    CASE WHEN oldest IS NULL OR oldest > now_ts THEN 10::double precision
         ELSE greatest(1, extract(epoch FROM oldest + p_interval_ms * interval '1 millisecond' - now_ts) * 1000) END;
END
$fn$;
`;
