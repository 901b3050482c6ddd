import { Queue, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Backend } from '../../models/types.js';
import { rateWindow, type EngineConfig } from '../config.js';
import type { StepRecord } from '../step-cache.js';
import type { KeyMaterial } from '../step-key.js';
import { causeText, errorCode, ServiceError } from './service-error.js';
import { PASSWORD_ENV, type ServiceSetting } from './settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/** BullMQ's key prefix: vidrecipe's queues never mix with another application's in the same Redis. */
export const PREFIX = 'vidrecipe';

/** Steps of a provider's queue active at once, per slot of the account's tasks in flight. */
export const ACTIVE_PER_SLOT = 2;

/** One queue per backend: for a provider, per account (the fleet is one account per provider); `local` for ffmpeg work. */
export const QUEUE_NAMES: Readonly<Record<Backend, string>> = { wavespeed: 'wavespeed', dashscope: 'dashscope', local: 'local' };

/** A media value in a job: the blob's digest (in the shared cache), its extension, and the URL it came from, if any. */
export interface BlobRef {
  blob: string;
  ext: string;
  origin?: string;
}

/** One step, as a coordinator hands it to the workers. The job's id is the step key. */
export interface StepJob {
  key: string;
  /** The leg's id (`remove[clip=a.mp4]`), for messages and the worker's journal. */
  step: string;
  /** The run that asked for it: the result's record names it. */
  run: string;
  recipe: string;
  model: string;
  backend: Backend;
  /** The resolved parameters, every media value a {@link BlobRef}. */
  params: Record<string, unknown>;
  material: KeyMaterial;
  retries: number;
  timeoutMs?: number;
  force: boolean;
  estimatedCostUsd: number;
  /** The shared blob store the coordinator put the inputs in: a worker configured with another refuses the step. */
  cache: string;
}

/**
 * What a finished job tells the coordinator: the record the worker published (or found published) in
 * PostgreSQL, so the coordinator need not read it back; PostgreSQL stays the record's home.
 */
export interface JobResult {
  outcome: 'succeeded' | 'cached';
  run: string;
  attempts?: number;
  record?: StepRecord;
}

/** What a worker reports while it runs a step: the coordinator shows it as its own progress. */
export interface JobProgress {
  state: 'queued' | 'uploading' | 'submitting' | 'running' | 'downloading';
  fraction?: number;
  message?: string;
  attempt?: number;
  taskId?: string;
  worker?: string;
}

/** Options of every connection BullMQ makes: workers block on Redis and must never give up a command. */
export function redisOptions(setting: ServiceSetting, env: Env = process.env): RedisOptions {
  const url = setting.url;
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : env[PASSWORD_ENV.queue] || undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/** Checks that Redis answers to these credentials, once, quickly; a clear {@link ServiceError} otherwise. */
export async function checkRedis(setting: ServiceSetting, env: Env = process.env): Promise<void> {
  const redis = new Redis({ ...redisOptions(setting, env), lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // The connection's own error says why (ECONNREFUSED …); the command's says only that it closed.
  let cause: unknown;
  redis.on('error', (error) => (cause ??= error));
  const where = `${setting.url.hostname}:${setting.url.port || 6379}`;
  let version: string | undefined;
  let lmpop: Error | undefined;
  try {
    // ioredis's ready check asks INFO at once, as BullMQ does when it connects (for the server's version).
    await redis.connect();
    await redis.ping();
    version = /^redis_version:(\S+)/m.exec(await redis.info('server'))?.[1];
    // What the coordinator needs, asked for itself (a key that never exists: nothing is popped).
    lmpop = await redis.call('LMPOP', 1, `${PREFIX}:probe`, 'LEFT').then(
      () => undefined,
      (error: Error) => error,
    );
  } catch (failure) {
    const error = cause ?? failure;
    const text = causeText(error);
    if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(text)) throw new ServiceError(setting, `Redis refused the credentials (${text})`, `check the user in the URL and ${PASSWORD_ENV.queue} in the environment`, { cause: error });
    // The server answered, with an error: it is there, so "start it" would send the user the wrong way.
    if ((error as Error).name === 'ReplyError') {
      if (/\bINFO\b/i.test(text)) throw new ServiceError(setting, `the server at ${where} refuses INFO (${text}), which BullMQ and its Redis client ask when they connect`, "allow INFO for this URL's user (its ACL), or use a server that answers it", { cause: error });
      throw new ServiceError(setting, `the server at ${where} answered with an error (${text})`, 'check the server and the URL', { cause: error });
    }
    const code = errorCode(error);
    throw new ServiceError(setting, `Redis does not answer at ${where} (${code && !text.includes(code) ? `${code}: ` : ''}${text})`, 'start it (docs/running.md, "Running on many machines") or fix the URL', { cause: error });
  } finally {
    redis.disconnect();
  }
  // A coordinator reads its workers' replies with BLMPOP (Redis 7): one round trip for many. Without it
  // every reply would be missed, and each step's end heard only at the 30 s look.
  if (lmpop && /unknown command/i.test(lmpop.message)) throw new ServiceError(setting, `${version ? `Redis ${version}` : 'the server'} at ${where} does not know LMPOP, which vidrecipe's coordinators read their workers' replies with: vidrecipe needs Redis 7 or later`, 'upgrade it (docs/running.md, "Running on many machines")');
}

/** The queues of a fleet, opened on demand; each holds its own connection. */
export class FleetQueues {
  private readonly queues = new Map<Backend, Queue>();
  private readonly own: Redis[] = [];
  private plain?: Redis;

  constructor(
    private readonly setting: ServiceSetting,
    private readonly config: EngineConfig,
    private readonly env: Env = process.env,
  ) {}

  queue(backend: Backend): Queue {
    let queue = this.queues.get(backend);
    if (!queue) {
      queue = new Queue(QUEUE_NAMES[backend], { connection: redisOptions(this.setting, this.env), prefix: PREFIX });
      queue.on('error', () => {});
      this.queues.set(backend, queue);
    }
    return queue;
  }

  /** A new connection, closed with the queues: for a blocking read, which holds its connection. */
  connection(): Redis {
    const redis = new Redis(redisOptions(this.setting, this.env));
    redis.on('error', () => {});
    this.own.push(redis);
    return redis;
  }

  /**
   * Writes the account's limits onto its queue, where every worker reads them: how many of its steps may
   * be active at once (BullMQ's global concurrency: twice the account's tasks in flight, so a step can
   * upload before, and download after, its slot while others hold theirs — the slots themselves are
   * counted in PostgreSQL) and the pace at which they start (its global rate limit; the exact submission
   * window is PostgreSQL's too). Said again from time to time: a Redis that lost its data lost these too.
   * The local queue has none: each worker runs as many ffmpeg jobs as it was told.
   */
  async applyLimits(backend: Backend): Promise<void> {
    if (backend === 'local') return;
    const limits = this.config[backend];
    const queue = this.queue(backend);
    await queue.setGlobalConcurrency(ACTIVE_PER_SLOT * limits.concurrency);
    const rate = rateWindow(limits);
    if (rate) await queue.setGlobalRateLimit(rate.cap, rate.intervalMs);
    else await queue.removeGlobalRateLimit();
  }

  /** A connection of our own, for the few keys vidrecipe keeps beside BullMQ's (a coordinator's sentinel). */
  redis(): Redis {
    if (!this.plain) {
      this.plain = new Redis(redisOptions(this.setting, this.env));
      this.plain.on('error', () => {});
    }
    return this.plain;
  }

  async close(): Promise<void> {
    for (const redis of this.own) redis.disconnect();
    this.plain?.disconnect();
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}
