// Types of test-fleet.mjs.
import type { Redis } from 'ioredis';
import type pg from 'pg';

export interface TestFleet {
  redisUrl: string;
  recordsUrl: string;
  s3Endpoint: string;
  bucket: string;
  /** The lines of vidrecipe.config.yaml that name the three services. */
  configLines(prefix?: string): string;
  /** What the CLI needs in its environment to reach the S3 server. */
  env: Record<string, string>;
  redis: Redis;
  db: pg.Pool;
  /** Empties the queues (Redis forgets everything; the records stay). */
  flushRedis(): Promise<void>;
  close(): Promise<void>;
}

export function startTestFleet(): Promise<TestFleet>;

/**
 * Polls an async check until it returns a value, or fails after `timeoutMs` saying what it waited for. A
 * check that throws (a table not created yet) counts as not yet.
 */
export function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs?: number): Promise<T>;
