import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { findModel } from '../../models/catalog.js';
import type { Backend } from '../../models/types.js';
import { API_KEYS } from '../../providers/api-keys.js';
import type { ExecutorLookup, KnownUrl } from '../../providers/types.js';
import { runAttempts, type AttemptsResult } from '../attempt.js';
import type { EngineConfig } from '../config.js';
import { sha256 } from '../hash.js';
import { Journal } from '../journal.js';
import { MediaFiles } from '../media-files.js';
import { StateDir } from '../state-dir.js';
import type { StepRecord } from '../step-cache.js';
import { ContentStore } from '../store.js';
import { UrlStore } from '../url-store.js';
import { openWorkFolder } from '../work-folder.js';
import type { SubmitLimiter } from '../limiter.js';
import { fetchBlob, shareBlob } from './blobs.js';
import { FleetLimiter } from './fleet-limiter.js';
import { fromJobParams } from './job-params.js';
import { PREFIX, QUEUE_NAMES, redisOptions, type JobProgress, type JobResult, type StepJob } from './queues.js';
import type { Lease, StoredBlob } from './records.js';
import { tell, type Reply } from './replies.js';
import type { FleetServices } from './services.js';

export interface WorkerOptions {
  stateDir: string;
  config: EngineConfig;
  services: FleetServices;
  executors: ExecutorLookup;
  /** The queues this worker takes steps from. */
  backends: readonly Backend[];
  /** Steps at once from each queue on this worker (the account's own limit holds across all workers). */
  concurrency: (backend: Backend) => number;
  /** How long a step stays this worker's without a renewal: after it, another worker takes it over. */
  leaseMs: number;
  /** First abort: take no new step, finish those running. Second: hand them back now. */
  stop: AbortSignal;
  hardStop: AbortSignal;
  log(line: string): void;
}

const LIMITS_EVERY_MS = 5_000;

/**
 * `vidrecipe worker`: takes steps from the queues until stopped. A step is run under a lease in
 * PostgreSQL, with the same attempts, never-pay-twice records and re-attach as a local run, its inputs
 * read from and its outputs written to the shared cache; the result is published (its record written)
 * only once its blobs are stored.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const state = new StateDir(options.stateDir);
  const store = new ContentStore(state.objects, options.config.downloads);
  const dir = join(state.workers, id);
  // Signed with its owner: `cache gc` keeps the cache whole while the worker runs, and a dead worker's
  // folder is removed by the next worker or run.
  const tmp = openWorkFolder(state.tmp, `worker-${id}`);
  mkdirSync(dir, { recursive: true });
  // Not flushed line by line: what must survive a crash (intents, task ids) is written to PostgreSQL first.
  const journal = new Journal(join(dir, 'journal.jsonl'), false);
  journal.append({ event: 'worker-start', worker: id, backends: [...options.backends], pid: process.pid });
  const { services } = options;
  const telling = new Telling(services.queues.redis());
  const step = new StepRunner(id, options, store, journal, tmp, new UrlStore(state.urls), telling);
  const workers = options.backends.map((backend) => {
    const worker = new Worker(QUEUE_NAMES[backend], (job: Job<StepJob>, token?: string) => step.run(job, backend, token), {
      connection: redisOptions(services.fleet.queue),
      prefix: PREFIX,
      concurrency: options.concurrency(backend),
      name: id,
      // The queue's lock on a job follows the step's lease: a dead worker's step goes back to the queue
      // about when its lease runs out, and the next worker takes the step over.
      lockDuration: options.leaseMs,
      stalledInterval: Math.max(1_000, Math.floor(options.leaseMs / 2)),
      // A step handed from dead worker to dead worker is still one step: never failed for that alone.
      maxStalledCount: 100,
      // While the account's slots are all taken, an idle worker waits on Redis this long (s) before it
      // asks again: a slot freed by another worker's step wakes nobody, and BullMQ's 5 s would leave it empty.
      drainDelay: 0.2,
      autorun: false,
    });
    worker.on('error', (error) => options.log(`queue ${QUEUE_NAMES[backend]}: ${error.message}`));
    // Told once BullMQ has the job's end, so a coordinator that looks at the job then sees the same.
    worker.on('completed', (job: Job<StepJob>, result: JobResult) => telling.send({ key: job.data.key, kind: 'completed', result }));
    worker.on('failed', (job: Job<StepJob> | undefined, error: Error) => job && telling.send({ key: job.data.key, kind: 'failed', run: job.data.run, reason: job.failedReason || error.message }));
    return worker;
  });
  const applyLimits = () => Promise.all(options.backends.map((b) => services.queues.applyLimits(b))).catch((error: Error) => options.log(`could not write the account limits to the queue: ${error.message}`));
  // The HTTP client loads at its first request: done now, not while the first steps wait behind it.
  await Promise.all([applyLimits(), fetch('data:,').then((r) => r.arrayBuffer()).catch(() => {})]);
  const timer = setInterval(() => void applyLimits(), LIMITS_EVERY_MS);
  options.log(`worker ${id} takes steps from ${options.backends.map((b) => `${QUEUE_NAMES[b]} (${options.concurrency(b)} at once)`).join(', ')}`);
  const running = workers.map((w) => w.run());
  await new Promise<void>((resolve) => {
    if (options.stop.aborted) resolve();
    options.stop.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(timer);
  options.log('stopping: finishing the steps running (signal again to hand them back now)');
  options.hardStop.addEventListener('abort', () => options.log('handing the running steps back to the queue'), { once: true });
  // Waits for the running steps: finished, or (after a second signal) handed back by their own runners.
  await Promise.all(workers.map((w) => w.close()));
  await Promise.allSettled(running);
  // The coordinators hear how the last steps ended before the connection closes.
  await telling.sent();
  journal.append({ event: 'worker-end', worker: id });
  journal.close();
  rmSync(tmp, { recursive: true, force: true });
}

/** Replies to the coordinators, sent in the background; the worker waits for the last before it exits. */
class Telling {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly redis: Redis) {}

  send(reply: Reply): void {
    const sending = tell(this.redis, reply).catch(() => {});
    this.pending.add(sending);
    void sending.then(() => this.pending.delete(sending));
  }

  async sent(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}

/** Runs one job: the shared cache first, then under the step's lease. */
class StepRunner {
  constructor(
    private readonly id: string,
    private readonly options: WorkerOptions,
    private readonly store: ContentStore,
    private readonly journal: Journal,
    private readonly tmp: string,
    /** Where this machine's uploads can be fetched: a clip every leg of a batch shares is uploaded once. */
    private readonly urls: UrlStore,
    private readonly telling: Telling,
  ) {
    this.media = new MediaFiles(store, join(tmp, 'media'));
  }

  private readonly limiters = new Map<Backend, FleetLimiter>();
  /**
   * The worker's named links to blobs, one per blob and extension whatever the step: a clip every leg of a
   * batch reads keeps one path, so its probe (the provider's limits) is made once, not once per leg.
   */
  private readonly media: MediaFiles;

  async run(job: Job<StepJob>, backend: Backend, token?: string): Promise<JobResult> {
    const data = job.data;
    const { records, blobs } = this.options.services;
    if (data.cache !== blobs.name) throw new Error(`this worker's cache is ${blobs.name} but the run's is ${data.cache}: the inputs are there, not here; give every machine of the fleet the same cache setting`);
    const lease = await this.claim(job);
    if ('run' in lease) return lease;
    const controller = new AbortController();
    const renew = setInterval(() => {
      lease.renew().then(
        (ours) => ours || controller.abort(new Error('lease lost')),
        () => {},
      );
    }, Math.max(250, Math.floor(lease.leaseMs / 3)));
    const onHardStop = () => controller.abort(new Error('worker stopped'));
    this.options.hardStop.addEventListener('abort', onHardStop, { once: true });
    this.journal.append({ event: 'job-start', step: data.step, key: data.key, run: data.run, lease: lease.token, took_over: lease.tookOver });
    try {
      // Published already (by another run's job, or by the worker this lease was taken from): that result stands.
      const published = lease.published;
      if (published && (!data.force || published.run === data.run)) return { outcome: 'cached', run: published.run, record: published };
      const { record, attempts, stored } = await this.compute(job, backend, lease, controller.signal);
      await lease.publish(record, data.force, stored);
      this.journal.append({ event: 'job-end', step: data.step, key: data.key, run: data.run, outcome: 'succeeded' });
      return { outcome: 'succeeded', run: data.run, attempts, record };
    } catch (error) {
      if (this.options.hardStop.aborted) {
        // Handed back, not failed: its task record stays, so the next worker re-attaches to the task.
        await lease.release().catch(() => {});
        this.journal.append({ event: 'job-end', step: data.step, key: data.key, run: data.run, outcome: 'handed-back' });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const message = (error as Error).message;
      this.journal.append({ event: 'job-end', step: data.step, key: data.key, run: data.run, outcome: 'failed', error: message });
      throw error;
    } finally {
      clearInterval(renew);
      this.options.hardStop.removeEventListener('abort', onHardStop);
      await lease.release().catch(() => {});
    }
  }

  /** The step's lease, waiting while another worker holds a live one (it may publish the result meanwhile). */
  private async claim(job: Job<StepJob>): Promise<Lease | JobResult> {
    const { records } = this.options.services;
    for (let said = false; ; ) {
      const got = await records.claim(job.data.key, this.id, this.options.leaseMs);
      if (!('heldBy' in got)) return got;
      if (!said) this.telling.send({ key: job.data.key, kind: 'progress', progress: { state: 'queued', message: `waiting for worker ${got.heldBy}, which holds the step` } });
      said = true;
      await sleep(Math.min(1_000, Math.max(50, got.expiresInMs)));
      const published = job.data.force ? undefined : await records.step(job.data.key);
      if (published) return { outcome: 'cached', run: published.run, record: published };
    }
  }

  /** Runs the step's attempts and stores its outputs in the shared cache: its record, and the blobs stored (for `status`). */
  private async compute(job: Job<StepJob>, backend: Backend, lease: Lease, signal: AbortSignal): Promise<{ record: StepRecord; attempts: number; stored: StoredBlob[] }> {
    const data = job.data;
    const { services } = this.options;
    const model = findModel(data.model);
    if (!model) throw new Error(`this worker's vidrecipe has no model ${data.model}; update it to the coordinator's version`);
    const executor = this.options.executors(model.id, backend);
    if (!executor) throw new Error(`this worker cannot run ${model.id} on ${backend}${backend === 'local' ? '' : ` (is ${API_KEYS[backend as 'wavespeed' | 'dashscope']} set where the worker runs?)`}`);
    const workDir = join(this.tmp, `${job.id}.${lease.token}`);
    mkdirSync(workDir, { recursive: true });
    const media = this.media;
    const origins = new Map<string, string>();
    const params = await fromJobParams(model, data.params, async (ref) => {
      if (!(await fetchBlob(services.blobs, ref.blob, this.store, signal))) throw new Error(`input blob ${ref.blob} is not in the shared cache ${services.blobs.name}; run the recipe again so its coordinator stores it`);
      const file = media.blob(ref.blob, ref.ext);
      if (ref.origin) origins.set(file.path, ref.origin);
      return file.path;
    });
    const warnings: string[] = [];
    // Every update is a message to each coordinator following the step: only what it shows is sent, the
    // task id once the provider gave it (its progress view and report name it), not every poll.
    let told: string | undefined;
    const report = (p: JobProgress) => {
      const said = `${p.state}\0${p.taskId ?? ''}`;
      if (p.state !== 'running' || said === told) return;
      told = said;
      this.telling.send({ key: data.key, kind: 'progress', progress: { ...p, worker: this.id } });
    };
    const started = Date.now();
    let result: AttemptsResult;
    const stored: StoredBlob[] = [];
    try {
      result = await runAttempts(
        { step: data.step, model, backend, key: data.key, params, executor, retries: data.retries, timeoutMs: data.timeoutMs, force: data.force },
        {
          run: data.run,
          tmpDir: workDir,
          store: this.store,
          tasks: lease.tasks,
          journal: this.journal,
          limiter: this.limiter(backend, lease),
          retryDelayMs: 1000,
          signal,
          sharedRecords: true,
          digestOf: (path) => media.digestOf(path),
          knownUrl: (path, usable: (url: KnownUrl) => boolean) => {
            const origin = origins.get(path);
            if (origin && usable({ url: origin })) return origin;
            const digest = media.digestOf(path);
            return digest ? this.urls.find(digest, usable)?.url : undefined;
          },
          rememberUrl: (path, url) => {
            const digest = media.digestOf(path);
            if (digest) this.urls.remember(digest, url);
          },
          holdsLock: () => lease.held(),
          notice: (message) => this.options.log(`step ${data.step}: ${message}`),
          // A refused account fails this step at once (no task was made); a worker runs for days, and the
          // next step tries again, so a topped-up account is used without restarting every worker.
          halted: () => undefined,
          halt: () => {},
          progress: (p) => report({ state: p.state, fraction: p.fraction, message: p.message, attempt: p.attempt, taskId: p.taskId }),
          warn: (message) => this.options.log(`step ${data.step}: ${message}`),
          said: (message) => warnings.push(message),
        },
      );
      for (const [name, url] of Object.entries(result.remoteUrls ?? {})) {
        const output = result.outputs[name];
        if (output) this.urls.remember(output.digest, url);
      }
      for (const output of Object.values(result.outputs)) {
        stored.push({ store: services.blobs.name, digest: output.digest, bytes: await shareBlob(services.blobs, output.digest, this.store.path(output.digest)) });
      }
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
    const costUsd = backend === 'local' ? 0 : (result.costUsd ?? data.estimatedCostUsd);
    const record: StepRecord = {
      format: 1,
      key: data.key,
      model: model.id,
      specVersion: model.specVersion,
      backend,
      keyed: data.material,
      step: data.step,
      run: data.run,
      createdAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      outputs: Object.fromEntries(Object.entries(result.outputs).map(([name, o]) => [name, { digest: o.digest, kind: o.kind, ext: o.ext }])),
      remoteUrls: result.remoteUrls,
      taskId: result.taskId,
      costUsd,
      ...(result.actualPrompt ? { actualPrompt: result.actualPrompt } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
    return { record, attempts: result.attempts, stored };
  }

  private limiter(backend: Backend, lease: Lease): SubmitLimiter {
    // ffmpeg work: as many at once as this worker was told, nothing shared.
    if (backend === 'local') return { withUpload: (t) => t(), withSlot: (t) => t(), submit: (r) => r(async () => {}), pauseSubmissions: () => {} };
    let limiter = this.limiters.get(backend);
    if (!limiter) {
      const { services, config } = this.options;
      // The account's name: its provider and a fingerprint of its key, so workers of two fleets sharing
      // one key still share its limits.
      const account = `${backend}:${sha256(process.env[API_KEYS[backend]] ?? '').slice(0, 16)}`;
      limiter = new FleetLimiter(services.records, account, config[backend], (ms) => services.queues.queue(backend).rateLimit(ms));
      this.limiters.set(backend, limiter);
    }
    return limiter.forLease(lease);
  }
}
