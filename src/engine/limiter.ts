import PQueue from 'p-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend } from '../models/types.js';
import type { BackendLimits, EngineConfig } from './config.js';

/**
 * The limits of one backend: how many tasks are in flight (a slot is held for one attempt, from submit
 * to the last download) and how many submissions start per rolling window. The two are separate queues
 * because a provider counts them separately: a slow task holds a slot for minutes but used one submission.
 */
export class BackendLimiter {
  private readonly slots: PQueue;
  private readonly submits: PQueue;
  private readonly uploads: PQueue;
  private readonly rate: { cap: number; interval: number } | undefined;
  /** When the last requests left, oldest first: the rate by the clock of sending. */
  private readonly sent: number[] = [];
  private resumeAt = 0;

  constructor(
    readonly backend: Backend,
    readonly limits: BackendLimits,
  ) {
    this.slots = new PQueue({ concurrency: limits.concurrency });
    const rate = window(limits);
    this.rate = rate.intervalCap ? { cap: rate.intervalCap, interval: rate.interval! } : undefined;
    this.submits = new PQueue({ concurrency: limits.concurrency, ...rate });
    // Uploads take no provider slot, but share the bandwidth: as many at once as tasks in flight.
    this.uploads = new PQueue({ concurrency: limits.concurrency });
  }

  /** Runs an upload (or any preparation of a request) among at most `concurrency` at once. */
  withUpload<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return settled(this.uploads, task, signal);
  }

  /** Runs `task` while holding one of the backend's slots. */
  withSlot<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return settled(this.slots, task, signal);
  }

  /**
   * Runs one submission inside the rate window. The queue spaces the starts; `ready()`, called right
   * before the request leaves, holds it until any pause a 429 asked for is over and the rate allows by
   * the time of sending, because what happens between start and send (the submit intent is flushed to
   * disk there) takes a varying time, and requests must not arrive bunched when the first of a window
   * were slow, nor all at once when a pause ends.
   */
  submit<T>(request: (ready: () => Promise<void>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return settled(
      this.submits,
      () => request(() => this.sendSlot(signal)),
      signal,
    );
  }

  private async sendSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      // A pause a 429 asked for is checked here too, so a request held in the window cannot slip past it.
      if (this.resumeAt > now) {
        await sleep(this.resumeAt - now, undefined, { signal });
        continue;
      }
      if (!this.rate) return;
      while (this.sent.length && now - this.sent[0]! >= this.rate.interval) this.sent.shift();
      if (this.sent.length < this.rate.cap) {
        this.sent.push(now);
        return;
      }
      await sleep(this.sent[0]! + this.rate.interval - now, undefined, { signal });
    }
  }

  /** A provider said "too many requests, retry after ms": hold every submission of this backend until then. */
  pauseSubmissions(ms: number): void {
    this.resumeAt = Math.max(this.resumeAt, Date.now() + ms);
  }
}

/**
 * `submissions` per `intervalMs` as p-queue's rolling window. A fractional rate (0.5/min) becomes one
 * submission per 1/rate: rounding the count up would exceed the quota the user wrote down. The window is
 * {@link JITTER_MARGIN} longer than written, because the provider counts arrivals: two requests that leave
 * exactly one window apart can arrive a few milliseconds less than one window apart.
 */
function window(limits: BackendLimits): { intervalCap?: number; interval?: number; strict?: boolean } {
  if (!Number.isFinite(limits.submissions)) return {};
  const interval = (ms: number) => Math.ceil(ms * (1 + JITTER_MARGIN));
  return Number.isInteger(limits.submissions)
    ? { intervalCap: limits.submissions, interval: interval(limits.intervalMs), strict: true }
    : { intervalCap: 1, interval: interval(limits.intervalMs / limits.submissions), strict: true };
}

export const JITTER_MARGIN = 0.02;

/**
 * Queues `task`; an abort rejects at once while it waits. Once it has started, its own outcome is
 * returned, never the abort, and it keeps its place until it settles: a submit still in flight must not
 * lose its task id, nor a slot be freed while ffmpeg still runs. (p-queue's own `signal` option settles
 * a running task early and starts the next one.) A started task stops through the signal it was given.
 */
function settled<T>(queue: PQueue, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return queue.add(task) as Promise<T>;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void queue.add(async () => {
      // Dropped while it waited: give the place back at once.
      if (signal.aborted) return;
      signal.removeEventListener('abort', onAbort);
      try {
        resolve(await task());
      } catch (error) {
        reject(error);
      }
    });
  });
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
