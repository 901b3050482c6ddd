import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Backend } from '../../models/types.js';
import type { StepRecord } from '../step-cache.js';
import type { ContentStore } from '../store.js';
import { fetchBlob, shareBlob } from './blobs.js';
import { PREFIX, type JobProgress, type JobResult, type StepJob } from './queues.js';
import { ReplyInbox, type Reply } from './replies.js';
import { TurnBatch } from './turn-batch.js';
import { stepRecordProblem } from '../record-guards.js';
import type { FleetServices } from './services.js';

/** How often the coordinator checks that Redis still has its data (a sentinel key it wrote). */
const SENTINEL_EVERY_MS = 2_000;
/** How often every job followed is looked at anyway, beside the queue's events (one could be missed). */
const LOOK_ALL_EVERY = 15;
const SENTINEL_TTL_S = 24 * 3600;

/** A finished step as the fleet reports it to the run. */
export interface FleetResult {
  record: StepRecord;
  /** Computed for this run, or found done (another coordinator's run asked first). */
  outcome: 'succeeded' | 'cached';
  attempts: number;
}

/** A step failed on a worker: its message is the worker's. */
export class FleetStepFailed extends Error {
  override name = 'FleetStepFailed';
}

type Waiter = { run: string; resolve(result: JobResult | undefined): void; reject(error: Error): void; progress(p: JobProgress): void; look(): void };

/**
 * The run's side of the many-machines mode: a step not cached anywhere becomes a job (its id the step
 * key, so two coordinators asking for one step make one job), its inputs stored in the shared cache
 * first; the run waits for its record to appear in PostgreSQL and brings its outputs into the local
 * store. The DAG stays the run's own: BullMQ's flows cannot express a step that two others need.
 */
export class Coordinator {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Where the workers tell this coordinator about its steps. */
  private readonly inbox: ReplyInbox;
  private readonly limitsApplied = new Map<Backend, Promise<void>>();
  /** Inputs this coordinator stored (or found stored) already: a batch's legs mostly share their clips. */
  private readonly shared = new Map<string, Promise<void>>();
  private readonly missing = new Set<string>();
  /** The plan's questions to the shared cache: one query for the legs of a round of the DAG. */
  private readonly lookups = new TurnBatch<string, StepRecord | undefined>(async (keys) => {
    const found = await this.services.records.steps(keys);
    return keys.map((key) => found.get(key));
  });
  /** Jobs to add, by backend: one round trip for the legs that became ready together. */
  private readonly adding = new Map<Backend, TurnBatch<StepJob, void>>();
  private watch?: { timer: NodeJS.Timeout; key: string; ticks: number };

  constructor(readonly services: FleetServices) {
    this.inbox = new ReplyInbox(services.queues.redis(), services.queues.connection(), (reply) => this.onReply(reply));
  }

  /**
   * The shared cache's record of `key` with its blobs brought into `store`; undefined when it has none (or
   * they are gone). A key found missing once (by the plan) is not asked again: should it appear meanwhile,
   * the worker that takes its job finds it and says so.
   */
  async reuse(key: string, store: ContentStore, signal?: AbortSignal): Promise<StepRecord | undefined> {
    if (this.missing.has(key)) return undefined;
    const record = await this.lookups.add(key);
    if (!record) {
      this.missing.add(key);
      return undefined;
    }
    for (const output of Object.values(record.outputs)) if (!(await fetchBlob(this.services.blobs, output.digest, store, signal))) return undefined;
    return record;
  }

  /** Runs the step on the fleet and returns its record, its outputs in `store`. */
  async compute(job: StepJob, inputs: ReadonlyMap<string, string>, store: ContentStore, onProgress: (p: JobProgress) => void, signal: AbortSignal): Promise<FleetResult> {
    const { records, blobs } = this.services;
    onProgress({ state: 'uploading', message: `storing the inputs in the shared cache` });
    for (const [digest, file] of inputs) {
      let stored = this.shared.get(digest);
      if (!stored) {
        stored = shareBlob(blobs, digest, file).then((bytes) => records.blobStored(blobs.name, digest, bytes));
        this.shared.set(digest, stored);
        stored.catch(() => this.shared.delete(digest));
      }
      await stored;
    }
    onProgress({ state: 'queued', message: `queued for a worker (${job.backend})` });
    const result = await this.follow(job, onProgress, signal);
    const carried = result?.record;
    const record = carried && !stepRecordProblem(carried, job.key) ? carried : await records.step(job.key);
    if (!record) throw new FleetStepFailed(`a worker reported step ${job.step} done, but the shared cache has no record of it; run again`);
    for (const output of Object.values(record.outputs)) {
      if (!(await fetchBlob(blobs, output.digest, store, signal))) throw new FleetStepFailed(`output "${output.digest}" of step ${job.step} is missing from the shared cache ${blobs.name}; run again to recompute it`);
    }
    // The record names the run that asked first: with two coordinators on one step, the other finds it done.
    const outcome = record.run === job.run ? 'succeeded' : 'cached';
    return { record, outcome, attempts: outcome === 'succeeded' ? (result?.attempts ?? 1) : 0 };
  }

  /**
   * Enqueues the job (after a look: it may be there already, done or failed) and waits for its end, which
   * its worker tells this coordinator's inbox. Looks again when the sentinel says Redis lost its data, when
   * another run's job of the same step failed, and every 30 s: a job gone is decided by the record in
   * PostgreSQL, and without one enqueued again.
   */
  private async follow(job: StepJob, onProgress: (p: JobProgress) => void, signal: AbortSignal): Promise<JobResult | undefined> {
    const queue = this.services.queues.queue(job.backend);
    await this.applyLimits(job.backend);
    return new Promise<JobResult | undefined>((resolve, reject) => {
      const look = async () => {
        try {
          await this.inbox.follow(job.key, queue.toKey(job.key));
          const state = await queue.getJobState(job.key);
          if (state === 'completed') {
            const done = await queue.getJob(job.key);
            return waiter.resolve(done?.returnvalue as JobResult | undefined);
          }
          if (state === 'failed') {
            const failed = (await queue.getJob(job.key)) as Job<StepJob> | undefined;
            // A failure of an earlier run's job: this run tries again. One of this run's: that is the answer.
            if (failed && failed.data.run === job.run) return waiter.reject(new FleetStepFailed(failed.failedReason || 'failed on a worker'));
            await failed?.remove().catch(() => {});
            await this.enqueue(job);
          } else if (state === 'unknown') {
            // Never enqueued, or gone: the record decides.
            if (await this.services.records.step(job.key)) return waiter.resolve(undefined);
            await this.enqueue(job);
          }
        } catch (error) {
          // Redis away for a moment: the next look tries again; the records in PostgreSQL are what count.
          onProgress({ state: 'queued', message: `cannot reach the queue (${(error as Error).message}); trying again` });
        }
      };
      const finish = (then: () => void) => {
        signal.removeEventListener('abort', onAbort);
        const set = this.waiters.get(job.key);
        set?.delete(waiter);
        if (set && !set.size) this.waiters.delete(job.key);
        if (!this.waiters.size) this.stopWatch();
        then();
      };
      const waiter: Waiter = {
        run: job.run,
        resolve: (r) => finish(() => resolve(r)),
        reject: (e) => finish(() => reject(e)),
        progress: onProgress,
        look: () => void look(),
      };
      const onAbort = () => waiter.reject(signal.reason instanceof Error ? signal.reason : new Error('interrupted'));
      signal.addEventListener('abort', onAbort, { once: true });
      let set = this.waiters.get(job.key);
      if (!set) this.waiters.set(job.key, (set = new Set()));
      set.add(waiter);
      this.startWatch();
      // A step the plan found in no record a moment ago is added at once, unless a job of that id is there
      // already (another coordinator's, or a failed one of an earlier run): then the look decides. Any
      // other step is looked at first.
      if (!this.missing.has(job.key)) return waiter.look();
      this.inbox.follow(job.key, queue.toKey(job.key)).then((queued) => (queued ? waiter.look() : this.enqueue(job)), waiter.look).catch(waiter.look);
    });
  }

  /**
   * One timer for every job followed: every 2 s it checks a sentinel key this coordinator wrote into
   * Redis; gone, Redis lost its data (and the jobs with it), so every job is looked at again — done ones
   * are found in PostgreSQL, the rest enqueued again. Every 30 s every job is looked at anyway. Looking at
   * each job every 2 s instead costs the coordinator more than all its other work for a batch.
   */
  private startWatch(): void {
    if (this.watch) return;
    const sentinel = `${PREFIX}:coordinator:${randomBytes(8).toString('hex')}`;
    const redis = this.services.queues.redis();
    void redis.set(sentinel, '1', 'EX', SENTINEL_TTL_S).catch(() => {});
    const watch = { key: sentinel, ticks: 0, timer: setInterval(() => void this.checkSentinel(watch), SENTINEL_EVERY_MS) };
    this.watch = watch;
  }

  private async checkSentinel(watch: { key: string; ticks: number }): Promise<void> {
    const redis = this.services.queues.redis();
    let lost = false;
    try {
      lost = (await redis.exists(watch.key)) === 0;
      if (lost) {
        await redis.set(watch.key, '1', 'EX', SENTINEL_TTL_S);
        for (const backend of this.limitsApplied.keys()) void this.applyLimits(backend, true).catch(() => {});
      }
    } catch {
      return;
    }
    if (lost || ++watch.ticks % LOOK_ALL_EVERY === 0) for (const set of this.waiters.values()) for (const waiter of set) waiter.look();
  }

  private stopWatch(): void {
    if (!this.watch) return;
    clearInterval(this.watch.timer);
    void this.services.queues.redis().del(this.watch.key).catch(() => {});
    this.watch = undefined;
  }

  /**
   * Adds the job to its queue, with the others that became ready with it. One attempt per job: the step's
   * own retries run inside it, on the worker. A completed job is removed (its record is the result); a
   * failed one is kept a day, so a second coordinator waiting on it reads why.
   */
  private enqueue(job: StepJob): Promise<void> {
    let batch = this.adding.get(job.backend);
    if (!batch) {
      const queue = this.services.queues.queue(job.backend);
      batch = new TurnBatch(async (jobs) => {
        await queue.addBulk(jobs.map((data) => ({ name: 'step', data, opts: { jobId: data.key, attempts: 1, removeOnComplete: true, removeOnFail: { age: 86_400 } } })));
        return jobs.map(() => undefined);
      });
      this.adding.set(job.backend, batch);
    }
    return batch.add(job);
  }

  /** The account's limits on its queue: at the first step, and again after Redis lost its data. */
  private applyLimits(backend: Backend, again = false): Promise<void> {
    let applied = this.limitsApplied.get(backend);
    if (!applied || again) {
      applied = this.services.queues.applyLimits(backend);
      this.limitsApplied.set(backend, applied);
    }
    return applied;
  }

  /**
   * A worker's word on a step this coordinator follows. A failure of this run's job is the step's
   * answer; one of another run's job (two coordinators on one step) makes a look, which puts the step in
   * again for this run.
   */
  private onReply(reply: Reply): void {
    if (reply.kind === 'progress') return this.settle(reply.key, (w) => w.progress(reply.progress));
    if (reply.kind === 'completed') return this.settle(reply.key, (w) => w.resolve(reply.result));
    this.settle(reply.key, (w) => (w.run === reply.run ? w.reject(new FleetStepFailed(reply.reason || 'failed on a worker')) : w.look()));
  }

  private settle(key: string, act: (w: Waiter) => void): void {
    // Each waiter takes itself out once it has its answer.
    for (const waiter of [...(this.waiters.get(key) ?? [])]) act(waiter);
  }
}
