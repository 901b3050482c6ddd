// @ts-check
// The task life both providers share: a submitted task waits for one of `concurrency` slots (both
// providers queue beyond their limit rather than refuse), then processes for `taskMs` on a real timer,
// then succeeds or fails. Status words are the provider's own.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** @typedef {import('./index.d.mts').FakeTask} FakeTask */

/**
 * What processing a task produced. `error` ends it failed with the provider's code and message.
 * @typedef {{output: string, durationS?: number} | {error: {code: string | number, message: string}}} Outcome
 */

/**
 * @typedef {object} QueueOptions
 * @property {number} concurrency
 * @property {number} taskMs
 * @property {number} failRate  probability in [0, 1] that a task fails on its own
 * @property {() => number} now
 * @property {{queued: string, running: string, done: string, failed: string}} words
 * @property {(task: FakeTask) => Promise<Outcome>} work  runs alongside the processing timer
 * @property {(message: string) => {code: string | number, message: string}} failure  the provider's failed-task error for failNext/failRate
 */

export class TaskQueue {
  /** @param {QueueOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {Map<string, FakeTask>} */
    this.tasks = new Map();
    /** @type {FakeTask[]} */
    this.waiting = [];
    this.running = 0;
    this.maxInFlight = 0;
    /** @type {number[]} */
    this.submits = [];
    /** @type {string[]} */
    this.failMessages = [];
    this.abort = new AbortController();
    // Every running task waits on this one signal: a fake with hundreds in flight is not leaking listeners.
    setMaxListeners(0, this.abort.signal);
  }

  /** @param {FakeTask} task */
  submit(task) {
    task.status = this.options.words.queued;
    this.tasks.set(task.id, task);
    this.submits.push(task.submittedAt);
    this.waiting.push(task);
    // Started on the next turn, so the submit answer shows the task queued, as both providers answer.
    setImmediate(() => {
      if (!this.abort.signal.aborted) this.pump();
    });
  }

  /** The next `n` tasks to finish end failed with `message`, whenever they were submitted. */
  failNext(message = 'fake failure', n = 1) {
    for (let i = 0; i < n; i++) this.failMessages.push(message);
  }

  close() {
    this.abort.abort();
  }

  pump() {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const task = /** @type {FakeTask} */ (this.waiting.shift());
      this.start(task).catch(() => {
        // Only an abort (server closed) ends here; the task stays as it was.
      });
    }
  }

  /** @param {FakeTask} task */
  async start(task) {
    const { options } = this;
    this.running++;
    this.maxInFlight = Math.max(this.maxInFlight, this.running);
    task.status = options.words.running;
    task.startedAt = options.now();
    try {
      const [outcome] = await Promise.all([
        options.work(task).catch((error) => ({ error: options.failure(error instanceof Error ? error.message : String(error)) })),
        sleep(options.taskMs, undefined, { signal: this.abort.signal }),
      ]);
      const forced = this.failMessages.shift() ?? (Math.random() < options.failRate ? 'fake failure (fail rate)' : undefined);
      task.finishedAt = options.now();
      if (forced !== undefined) {
        task.status = options.words.failed;
        task.error = options.failure(forced);
      } else if ('error' in outcome) {
        task.status = options.words.failed;
        task.error = outcome.error;
      } else {
        task.status = options.words.done;
        task.output = outcome.output;
        task.durationS = outcome.durationS;
      }
    } finally {
      this.running--;
      if (!this.abort.signal.aborted) this.pump();
    }
  }

  /**
   * Seconds to wait before one more submission fits `rate` (accepted submissions in any sliding window of
   * `perMs`), or undefined when it fits now.
   * @param {{count: number, perMs: number} | undefined} rate
   */
  rateWait(rate) {
    if (!rate) return undefined;
    const now = this.options.now();
    const inWindow = this.submits.filter((t) => t > now - rate.perMs);
    if (inWindow.length < rate.count) return undefined;
    const oldest = /** @type {number} */ (inWindow[inWindow.length - rate.count]);
    return Math.max(1, Math.ceil((oldest + rate.perMs - now) / 1000));
  }

  stats() {
    const submits = [...this.submits];
    return {
      maxInFlight: this.maxInFlight,
      submits,
      /** @param {number} ms */
      maxSubmitsIn: (ms) => maxIn(submits, ms),
    };
  }
}

/**
 * The most submissions in any window of `ms`.
 * @param {number[]} times ascending
 * @param {number} ms
 */
function maxIn(times, ms) {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (/** @type {number} */ (times[hi]) - /** @type {number} */ (times[lo]) >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
