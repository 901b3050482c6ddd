import PQueue from 'p-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend } from '../models/types.js';
import { rateWindow, type BackendLimits, type EngineConfig } from './config.js';

/** What a step's attempt asks of its backend's limits; {@link BackendLimiter} on one machine. */
export interface SubmitLimiter {
  withUpload<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  withSlot<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  submit<T>(request: (ready: () => Promise<void>) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** A 429 asked to wait `ms`: every submission of the account waits. */
  pauseSubmissions(ms: number): void | Promise<void>;
}

/**
 * The limits of one backend: how many tasks are in flight (a slot is held for one attempt, from submit
 * to the last download) and how many submissions start per rolling window. The two are separate queues
 * because a provider counts them separately: a slow task holds a slot for minutes but used one submission.
 */
export class BackendLimiter implements SubmitLimiter {
  private readonly slots: PQueue;
  private readonly submits: PQueue;
  private readonly uploads: PQueue;
  private readonly rate: { cap: number; interval: number } | undefined;
  /** The submissions of the current window: when each was answered, or that it is still out. */
  private readonly sent: Sent[] = [];
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
   * before the request leaves, holds it until any pause a 429 asked for is over and the window has room.
   * A submission counts in the window from the moment its answer came back, not from when it was started:
   * the provider counts arrivals, and between our start and its arrival lie the intent's flush to disk,
   * other steps' work on the same thread and the network. So no request can arrive less than a window
   * after the one `rate` submissions before it, whatever delayed that one.
   */
  submit<T>(request: (ready: () => Promise<void>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return settled(
      this.submits,
      async () => {
        let entry: Sent | undefined;
        try {
          return await request(async () => {
            entry = await this.sendSlot(signal);
          });
        } finally {
          if (entry) entry.answeredAt = Date.now();
        }
      },
      signal,
    );
  }

  private async sendSlot(signal?: AbortSignal): Promise<Sent | undefined> {
    for (;;) {
      const now = Date.now();
      // A pause a 429 asked for is checked here too, so a request held in the window cannot slip past it.
      if (this.resumeAt > now) {
        await sleep(this.resumeAt - now, undefined, { signal });
        continue;
      }
      if (!this.rate) return undefined;
      const { cap, interval } = this.rate;
      for (let i = this.sent.length - 1; i >= 0; i--) {
        const answered = this.sent[i]!.answeredAt;
        if (answered !== undefined && now - answered >= interval) this.sent.splice(i, 1);
      }
      if (this.sent.length < cap) {
        const entry: Sent = {};
        this.sent.push(entry);
        return entry;
      }
      // Room comes when the earliest answered one leaves the window; with none answered yet, look again soon.
      const answered = this.sent.map((e) => e.answeredAt).filter((t): t is number => t !== undefined);
      const wait = answered.length ? Math.min(...answered) + interval - now : STILL_OUT_POLL_MS;
      await sleep(Math.max(1, wait), undefined, { signal });
    }
  }

  /** A provider said "too many requests, retry after ms": hold every submission of this backend until then. */
  pauseSubmissions(ms: number): void {
    this.resumeAt = Math.max(this.resumeAt, Date.now() + ms);
  }
}

/** The backend's rate (see {@link rateWindow}) as p-queue's rolling window. */
function window(limits: BackendLimits): { intervalCap?: number; interval?: number; strict?: boolean } {
  const rate = rateWindow(limits);
  return rate ? { intervalCap: rate.cap, interval: rate.intervalMs, strict: true } : {};
}

/** One submission in the window; `answeredAt` once the provider answered (or the request failed). */
interface Sent {
  answeredAt?: number;
}

/** How often a full window is looked at again while its submissions are still waiting for their answers. */
const STILL_OUT_POLL_MS = 10;

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
    const waiting = waitersOf(signal);
    waiting.add(reject);
    void queue.add(async () => {
      // Dropped while it waited: give the place back at once.
      if (signal.aborted) return;
      waiting.delete(reject);
      try {
        resolve(await task());
      } catch (error) {
        reject(error);
      }
    });
  });
}

/**
 * The tasks waiting in a queue that an abort of `signal` rejects, in the order they came. One listener
 * per signal, not one per waiting task: an EventTarget checks each new listener against all it has, so
 * ten thousand legs waiting on the run's signal would cost a hundred million comparisons.
 */
function waitersOf(signal: AbortSignal): Set<(reason: unknown) => void> {
  let waiting = waiters.get(signal);
  if (!waiting) {
    const set = new Set<(reason: unknown) => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const reject of set) reject(signal.reason);
        set.clear();
      },
      { once: true },
    );
    waiters.set(signal, set);
    waiting = set;
  }
  return waiting;
}

const waiters = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

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
