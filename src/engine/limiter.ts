import PQueue from 'p-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend } from '../models/types.js';
import type { BackendLimits, EngineConfig } from './config.js';

/**
 * The limits of one backend: how many tasks are in flight (a slot is held from submit to the last
 * download) and how many submissions start per rolling window. The two are separate queues because a
 * provider counts them separately: a slow task holds a slot for minutes but used one submission.
 */
export class BackendLimiter {
  private readonly slots: PQueue;
  private readonly submits: PQueue;
  private resumeAt = 0;

  constructor(
    readonly backend: Backend,
    readonly limits: BackendLimits,
  ) {
    this.slots = new PQueue({ concurrency: limits.concurrency });
    this.submits = Number.isFinite(limits.submissions)
      ? new PQueue({ concurrency: limits.concurrency, intervalCap: Math.max(1, Math.floor(limits.submissions)), interval: limits.intervalMs, strict: true })
      : new PQueue({ concurrency: limits.concurrency });
  }

  /**
   * Runs `task` while holding one of the backend's slots. A task still queued when `signal` aborts
   * starts only to throw at once; one already running is never abandoned (p-queue would settle its
   * promise early), it stops through the signal it was given, so the slot is freed only when it has.
   */
  withSlot<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.slots.add(() => {
      signal?.throwIfAborted();
      return task();
    }) as Promise<T>;
  }

  /** Runs one submission request inside the rate window, after any pause a 429 asked for. */
  submit<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.submits.add(async () => {
      signal?.throwIfAborted();
      const wait = this.resumeAt - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal });
      return request();
    }) as Promise<T>;
  }

  /** A provider said "too many requests, retry after ms": hold every submission of this backend until then. */
  pauseSubmissions(ms: number): void {
    this.resumeAt = Math.max(this.resumeAt, Date.now() + ms);
  }

  get queued(): number {
    return this.slots.size;
  }
}

export class Limiters {
  private readonly byBackend = new Map<Backend, BackendLimiter>();
  constructor(private readonly config: EngineConfig) {}

  for(backend: Backend): BackendLimiter {
    let limiter = this.byBackend.get(backend);
    if (!limiter) {
      limiter = new BackendLimiter(backend, this.config[backend]);
      this.byBackend.set(backend, limiter);
    }
    return limiter;
  }
}
