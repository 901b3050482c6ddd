import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import S3rver from 's3rver';

// Plain JavaScript with types beside it (test-fleet.d.mts), so the benchmarks use it as the tests do.

/**
 * The real services of the many-machines mode for one test file: a Redis database of its own (so files
 * running at once never share queues), a fresh PostgreSQL database, and an S3 API server (s3rver) on
 * loopback with a bucket. The machines start Redis and PostgreSQL; .ci/run checks they answer.
 */

const REDIS = { host: '127.0.0.1', port: 6379 };
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

/** @returns {Promise<import('./test-fleet.d.mts').TestFleet>} */
export async function startTestFleet() {
  // Redis databases 1–15 are handed out with a lease in database 0: one per test file at a time.
  const lock = new Redis({ ...REDIS, db: 0, lazyConnect: true });
  await lock.connect();
  let dbNumber = 0;
  const token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  for (let n = 1; n <= 15 && !dbNumber; n++) if ((await lock.set(`vidrecipe-test:redis-db:${n}`, token, 'EX', 1800, 'NX')) === 'OK') dbNumber = n;
  if (!dbNumber) throw new Error('no free Redis database (1–15) for this test file');
  const redis = new Redis({ ...REDIS, db: dbNumber });
  await redis.flushdb();

  const database = `vidrecipe_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const recordsUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
  const db = new pg.Pool({ connectionString: recordsUrl, max: 3 });

  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-s3-'));
  const bucket = 'fleet';
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const s3Endpoint = `http://127.0.0.1:${port}`;
  const redisUrl = `redis://127.0.0.1:6379/${dbNumber}`;
  return {
    redisUrl,
    recordsUrl,
    s3Endpoint,
    bucket,
    configLines: (prefix = 'team') => `queue: ${redisUrl}\nrecords: ${recordsUrl}\ncache: s3://${bucket}/${prefix}\n`,
    // s3rver's own account; it checks the key id (a wrong one is refused), not SigV4 signatures.
    env: { AWS_ENDPOINT_URL_S3: s3Endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    redis,
    db,
    flushRedis: async () => void (await redis.flushdb()),
    async close() {
      await db.end();
      redis.disconnect();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      const dropper = new pg.Client({ connectionString: PG_ADMIN });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await dropper.end();
      if ((await lock.get(`vidrecipe-test:redis-db:${dbNumber}`)) === token) await lock.del(`vidrecipe-test:redis-db:${dbNumber}`);
      lock.disconnect();
    },
  };
}

/**
 * Polls an async check until it returns a value, or fails after `timeoutMs` saying what it waited for. A
 * check that throws (a table not created yet) counts as not yet.
 */
export async function eventually(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (let last; ; ) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
