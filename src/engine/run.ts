import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { Plan, PlannedStep } from '../graph/plan.js';
import type { Backend } from '../models/types.js';
import type { ExecutorLookup, KnownUrl } from '../providers/types.js';
import type { Step } from '../recipe/types.js';
import { Cancelled, Halted, runAttempts, type AttemptsResult } from './attempt.js';
import type { EngineConfig } from './config.js';
import { FINAL_STATUSES, waitingView, type RunEvent, type RunStatus, type StepView } from './events.js';
import { Journal } from './journal.js';
import { Limiters } from './limiter.js';
import { interruptedTask } from './interrupted-task.js';
import { StepLocks, type StepLock } from './lock.js';
import { openWorkFolder } from './work-folder.js';
import { MediaFiles } from './media-files.js';
import { publishRun, type OutFolder, type PublishedOutput } from './publish.js';
import { Quarantine, type SetAside } from './quarantine.js';
import { roundUsd } from '../models/price.js';
import { StateDir } from './state-dir.js';
import { StepCache, type StepRecord } from './step-cache.js';
import { StepHistory } from './step-history.js';
import { stepFacts } from './step-facts.js';
import { resolveStep, type ResolvedStep } from './step-key.js';
import { forced, legName } from './legs.js';
import { ContentStore } from './store.js';
import { TaskIndex } from './tasks.js';
import { UrlStore } from './url-store.js';
import type { Coordinator } from './fleet/coordinator.js';
import { toJobParams } from './fleet/job-params.js';

export interface RunOptions {
  /** The state dir (`.vidrecipe/` by default): cache, journals, reports. */
  stateDir: string;
  /** Where the recipe's outputs are copied. */
  outDir: string;
  config: EngineConfig;
  executors: ExecutorLookup;
  /** Recompute every step (results are still stored for later runs). */
  noCache?: boolean;
  /** Step ids to recompute even when cached. */
  force?: readonly string[];
  /** Ctrl-C: stops scheduling and cancels running work. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Why the state dir's records may not be this user's own (a committed state dir), if they may not. */
  stateDistrust?: string;
  /** Base delay between attempts; doubles each retry. */
  retryDelayMs?: number;
  /** Many machines: steps not cached anywhere run on the fleet's workers, results come from its shared cache. */
  fleet?: Coordinator;
  /** Checks a step's media files (resolved params) before it runs; throws to fail the step. */
  checkMedia?: (step: Step, params: Readonly<Record<string, unknown>>, signal: AbortSignal) => Promise<void>;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  /** What this run paid. */
  costUsd: number;
  startedAt: number;
  endedAt: number;
  /** In plan order. */
  steps: StepView[];
  outputs: Record<string, PublishedOutput>;
  /** What the out folder holds after the run (absent when it could not be written). */
  outFolder?: OutFolder;
  runDir: string;
  /** The step that failed first, shown first. */
  firstFailure?: string;
  /** Failures of the run itself, outside any step (the out dir could not be written …). */
  errors: string[];
}

/** `20261123-130501-042-a1b2` (UTC, with milliseconds): sorts by start time, unique across concurrent runs. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').slice(0, 19);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Runs a planned recipe: each step as soon as everything it needs exists, within its backend's limits;
 * cached steps are reused, failures skip their dependents but not independent branches.
 */
export async function runPlan(plan: Plan, options: RunOptions): Promise<RunResult> {
  return new Run(plan, options).execute();
}

class Run {
  readonly id = newRunId();
  private readonly state: StateDir;
  private readonly store: ContentStore;
  private readonly cache: StepCache;
  private readonly tasks: TaskIndex;
  private readonly locks: StepLocks;
  private readonly limiters: Limiters;
  private readonly media: MediaFiles;
  private readonly urls: UrlStore;
  private readonly history: StepHistory;
  /** Backends that refused the account in this run, with the one message that says why. */
  private readonly halted = new Map<Backend, string>();
  private readonly journal: Journal;
  private readonly runDir: string;
  private readonly tmpDir: string;
  private readonly views = new Map<string, StepView>();
  private readonly signal: AbortSignal;
  private readonly force: Set<string>;
  private firstFailure?: string;

  constructor(
    private readonly plan: Plan,
    private readonly options: RunOptions,
  ) {
    this.state = new StateDir(options.stateDir);
    this.store = new ContentStore(this.state.objects, options.config.downloads);
    const quarantine = new Quarantine(this.state.root, (event) => this.setAside(event));
    this.cache = new StepCache(this.state.steps, this.store, quarantine);
    this.tasks = new TaskIndex(this.state.tasks, quarantine);
    this.locks = new StepLocks(this.state.locks, this.id, quarantine);
    this.limiters = new Limiters(options.config);
    this.runDir = this.state.run(this.id);
    mkdirSync(this.runDir, { recursive: true });
    this.tmpDir = openWorkFolder(this.state.tmp, this.id);
    this.media = new MediaFiles(this.store, join(this.tmpDir, 'media'));
    this.urls = new UrlStore(this.state.urls, quarantine);
    this.history = new StepHistory(this.state.history, plan.recipe.file);
    this.journal = new Journal(join(this.runDir, 'journal.jsonl'));
    this.signal = options.signal ?? new AbortController().signal;
    // Every step waiting for a slot listens for the run's end: hundreds of listeners are the design, not a leak.
    setMaxListeners(0, this.signal);
    this.force = new Set(options.force ?? []);
    for (const planned of plan.steps) this.views.set(planned.id, waitingView(planned));
  }

  async execute(): Promise<RunResult> {
    const startedAt = Date.now();
    this.journal.append({ event: 'run-start', run: this.id, recipe: this.plan.recipe.file, steps: this.plan.order, pid: process.pid });
    const errors: string[] = [];
    let outputs: Record<string, PublishedOutput> = {};
    let outFolder: OutFolder | undefined;
    let status: RunStatus = 'failed';
    let costUsd = 0;
    try {
      await this.schedule();
      try {
        ({ outputs, folder: outFolder } = await publishRun(this.plan, this.views, this.options.outDir, this.media, { runId: this.id, interrupted: this.signal.aborted }));
      } catch (error) {
        errors.push(`the outputs could not be copied to ${this.options.outDir}: ${(error as Error).message}; they are in the cache, run again with another --out`);
      }
      status = this.signal.aborted ? 'interrupted' : this.firstFailure || errors.length ? 'failed' : 'succeeded';
      costUsd = roundUsd([...this.views.values()].reduce((sum, v) => sum + v.costUsd, 0));
      this.journal.append({ event: 'run-end', status, cost_usd: costUsd });
    } finally {
      this.history.flush();
      this.journal.close();
      this.locks.close();
      rmSync(this.tmpDir, { recursive: true, force: true });
    }
    return {
      runId: this.id,
      status,
      costUsd,
      startedAt,
      endedAt: Date.now(),
      steps: this.plan.order.map((id) => this.views.get(id)!),
      outputs,
      outFolder,
      runDir: this.runDir,
      firstFailure: this.firstFailure,
      errors,
    };
  }

  /**
   * Starts each leg when the last leg it needs has succeeded; skips it (and what needs it) when one
   * failed. Counting unmet needs keeps this linear in the edges, whatever the recipe's size. A step's
   * `max-parallel` holds its ready legs back in matrix order; `fail-fast` skips the legs of a step not yet
   * started once one has failed (those running finish: a hosted task is paid for once submitted).
   */
  private schedule(): Promise<void> {
    const unmet = new Map(this.plan.steps.map((s) => [s.id, s.needs.length]));
    const planned = new Map(this.plan.steps.map((s) => [s.id, s]));
    const groups = new Map(this.plan.groups.map((g) => [g.step, { ...g, running: 0, held: [] as string[], failed: false }]));
    const onAbort = () => {
      for (const view of this.views.values()) if (view.status === 'waiting') this.skip(view.id, 'not started: the run was interrupted');
    };
    let running = 0;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const start = (id: string) => {
        const view = this.views.get(id)!;
        if (this.signal.aborted) return this.skip(id, 'not started: the run was interrupted');
        const leg = planned.get(id)!;
        const group = groups.get(leg.step);
        if (group?.failed && group.failFast) return this.skip(id, `not started: another leg of "${leg.step}" failed and the step is fail-fast`);
        if (group?.maxParallel && group.running >= group.maxParallel) return void group.held.push(id);
        if (group) group.running++;
        running++;
        this.update(view, { status: 'queued', startedAt: Date.now() });
        void this.runStep(leg, view).finally(() => {
          running--;
          if (group) {
            group.running--;
            if (view.status === 'failed') group.failed = true;
            const next = group.held.shift();
            if (next) start(next);
          }
          settled(id);
          if (running === 0) done();
        });
      };
      const settled = (id: string) => {
        const view = this.views.get(id)!;
        const ok = view.status === 'succeeded' || view.status === 'cached';
        const group = groups.get(planned.get(id)!.step);
        if (group?.failed && group.failFast) for (const held of group.held.splice(0)) this.skip(held, `not started: leg ${id} failed and "${group.step}" is fail-fast`);
        for (const next of this.plan.dag.dependents.get(id) ?? []) {
          if (this.views.get(next)!.status !== 'waiting') continue;
          if (!ok) this.skip(next, `skipped: needs "${id}", which ${view.status === 'failed' ? 'failed' : 'did not run'}`);
          else {
            const left = unmet.get(next)! - 1;
            unmet.set(next, left);
            if (left === 0) start(next);
          }
        }
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
      for (const step of this.plan.steps) if (step.needs.length === 0) start(step.id);
      if (running === 0) done();
    });
  }

  /** Marks a step that will not run, and everything waiting on it. */
  private skip(id: string, why: string): void {
    const view = this.views.get(id)!;
    if (view.status !== 'waiting') return;
    this.finish(view, 'skipped', why);
    for (const next of this.plan.dag.dependents.get(id) ?? []) this.skip(next, `skipped: needs "${id}", which did not run`);
  }

  private async runStep(planned: PlannedStep, view: StepView): Promise<void> {
    const step = planned.spec;
    let lock: StepLock | undefined;
    try {
      // Downloading an input URL counts against the step's timeout: a stalled server must not hang the run.
      const signal = step.timeoutMs ? AbortSignal.any([this.signal, AbortSignal.timeout(step.timeoutMs)]) : this.signal;
      const resolved = await resolveStep(planned, planned.backend, (slot) => this.outputFile(slot.leg, slot.output), this.media, signal);
      view.key = resolved.key;
      view.facts = stepFacts(step, resolved.params, (path) => this.media.digestOf(path));
      const isForced = forced(this.force, planned);
      const reusable = step.cache && !this.options.noCache && !isForced;
      if (reusable && (await this.reuse(view, resolved.key))) return;
      // Outputs of earlier steps and downloads exist only now: checked by content before anything reads or uploads them.
      await this.options.checkMedia?.(step, resolved.params, signal);
      if (this.options.fleet) return await this.runOnFleet(this.options.fleet, planned, view, resolved, isForced);
      const executor = this.options.executors(step.model.id, planned.backend);
      if (!executor) throw new Error(`no ${planned.backend} implementation of ${step.model.id}`);
      // Two runs sharing the state dir must never pay for the same task twice, so a remote step is
      // computed under a lock. A local step is not: doing it twice costs only time, and its blobs and
      // record are written atomically, so the second copy replaces the first with the same bytes.
      if (executor.kind === 'remote') {
        lock = await this.locks.acquire(resolved.key, {
          signal: this.signal,
          onWait: (holder, file) => this.update(view, { message: `waiting for run ${holder.run} (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}), which is computing the same step (lock ${file})` }),
          onTakeOver: (holder, why) => this.warn(view, `took over the lock of run ${holder.run} (pid ${holder.pid} on ${holder.host}): ${why}`),
        });
        // Another run may have finished it while we waited for the lock.
        if (reusable && (await this.reuse(view, resolved.key))) return;
      }
      const limiter = this.limiters.for(planned.backend);
      const startedWork = Date.now();
      const warnings = new Set<string>();
      const result = await runAttempts(
            { step: planned.id, model: step.model, backend: planned.backend, key: resolved.key, params: resolved.params, executor, retries: step.retries, timeoutMs: step.timeoutMs, force: isForced },
            {
              run: this.id,
              tmpDir: this.tmpDir,
              store: this.store,
              tasks: this.tasks,
              journal: this.journal,
              limiter,
              retryDelayMs: this.options.retryDelayMs ?? 1000,
              signal: this.signal,
              digestOf: (path) => this.media.digestOf(path),
              knownUrl: (path, usable) => this.knownUrl(path, usable),
              rememberUrl: (path, url) => {
                const digest = this.media.digestOf(path);
                if (digest) this.urls.remember(digest, url);
              },
              holdsLock: lock && (() => lock!.confirm()),
              distrust: this.options.stateDistrust,
              notice: (message) => this.notice(view, message),
              halted: () => this.halted.get(planned.backend),
              halt: () => {
                if (!this.halted.has(planned.backend)) this.halted.set(planned.backend, `${planned.backend} refused the account in ${legName(planned)}`);
              },
              progress: (p) => this.update(view, { status: p.state, fraction: p.fraction, message: p.message, attempts: p.attempt ?? view.attempts, taskId: p.taskId ?? view.taskId }),
              warn: (message) => this.warn(view, message),
              said: (message) => {
                warnings.add(message);
                this.warn(view, message);
              },
            },
          );
      const costUsd = planned.backend === 'local' ? 0 : (result.costUsd ?? planned.estimatedCostUsd);
      for (const [name, url] of Object.entries(result.remoteUrls ?? {})) {
        const output = result.outputs[name];
        if (output) this.urls.remember(output.digest, url);
      }
      const record = this.record(planned, resolved, result, costUsd, Date.now() - startedWork, [...warnings]);
      this.cache.write(record);
      this.history.remember(planned.id, resolved.key, this.id);
      if (executor.kind === 'remote') this.tasks.clear(resolved.key);
      this.journal.append({ event: 'step-succeeded', step: planned.id, key: resolved.key, outputs: mapValues(result.outputs, (o) => o.digest), cost_usd: costUsd, ms: record.durationMs });
      this.finish(view, 'succeeded', undefined, { outputs: result.outputs, costUsd, attempts: result.attempts, taskId: result.taskId, actualPrompt: result.actualPrompt });
    } catch (error) {
      const attempts = (error as { attempts?: number }).attempts ?? view.attempts;
      if (this.options.fleet && this.signal.aborted) {
        this.finish(view, 'cancelled', 'left to the fleet: a worker finishes it if it has started, and the next run picks up its result');
      } else if (error instanceof Cancelled || this.signal.aborted) {
        const left = interruptedTask(view, view.key ? this.tasks.get(view.key) : undefined, this.id);
        if (left.status === 'running_at_provider') this.journal.append({ event: 'step-left-running', step: planned.id, key: view.key!, backend: planned.backend, task: left.taskId!, estimated_cost_usd: view.estimatedCostUsd }, true);
        this.finish(view, left.status, left.message, { attempts, taskId: left.taskId ?? view.taskId });
      } else if (error instanceof Halted) {
        this.finish(view, 'skipped', `not run: ${error.message}`, { attempts: 0 });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        if (attempts === 0) this.journal.append({ event: 'step-failed', step: planned.id, key: view.key, error: message, attempt: 0, final: true });
        this.firstFailure ??= planned.id;
        this.finish(view, 'failed', undefined, { error: message, attempts });
      }
    } finally {
      lock?.release();
    }
  }

  /**
   * A step on the fleet: a job for a worker; its record (in the shared cache, with its blobs) comes back
   * into this state dir too, so a later run here finds it even without the services.
   */
  private async runOnFleet(fleet: Coordinator, planned: PlannedStep, view: StepView, resolved: ResolvedStep, force: boolean): Promise<void> {
    const step = planned.spec;
    const { params, blobs } = toJobParams(step.model, resolved.params, this.media);
    const job = {
      key: resolved.key,
      step: planned.id,
      run: this.id,
      recipe: this.plan.recipe.file,
      model: step.model.id,
      backend: planned.backend,
      params,
      material: resolved.material,
      retries: step.retries,
      timeoutMs: step.timeoutMs,
      force,
      estimatedCostUsd: planned.estimatedCostUsd,
      cache: fleet.services.blobs.name,
    };
    const done = await fleet.compute(job, blobs, this.store, (p) => this.update(view, { status: p.state, fraction: p.fraction, message: p.message, attempts: p.attempt ?? view.attempts, taskId: p.taskId ?? view.taskId }), this.signal);
    const record = done.record;
    this.cache.write(record);
    this.history.remember(planned.id, record.key, record.run);
    const outputs = mapValues(record.outputs, (o) => ({ ...o, path: this.store.path(o.digest) }));
    for (const message of record.warnings ?? []) this.warn(view, done.outcome === 'succeeded' ? message : `${message} (said when run ${record.run} computed it)`);
    if (done.outcome === 'cached') {
      this.journal.append({ event: 'step-cached', step: planned.id, key: record.key, from: record.run });
      this.finish(view, 'cached', `computed for run ${record.run} (the same step, asked for at the same time)`, { outputs, cachedFrom: record.run, taskId: record.taskId, actualPrompt: record.actualPrompt });
      return;
    }
    this.journal.append({ event: 'step-succeeded', step: planned.id, key: record.key, outputs: mapValues(record.outputs, (o) => o.digest), cost_usd: record.costUsd, ms: record.durationMs });
    this.finish(view, 'succeeded', undefined, { outputs, costUsd: record.costUsd, attempts: done.attempts, taskId: record.taskId, actualPrompt: record.actualPrompt });
  }

  /** The cache record of a finished step: what a later run needs to reuse it without running it. */
  private record(planned: PlannedStep, resolved: ResolvedStep, result: AttemptsResult, costUsd: number, durationMs: number, warnings: string[]): StepRecord {
    const model = planned.spec.model;
    return {
      format: 1,
      key: resolved.key,
      model: model.id,
      specVersion: model.specVersion,
      backend: planned.backend,
      keyed: resolved.material,
      step: planned.id,
      run: this.id,
      createdAt: new Date().toISOString(),
      durationMs,
      outputs: mapValues(result.outputs, (o) => ({ digest: o.digest, kind: o.kind, ext: o.ext })),
      remoteUrls: result.remoteUrls,
      taskId: result.taskId,
      costUsd,
      ...(result.actualPrompt ? { actualPrompt: result.actualPrompt } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  /** Serves a step from the cache when its record and blobs are intact; says why not otherwise. */
  private async reuse(view: StepView, key: string): Promise<boolean> {
    const found = await this.cache.lookup(key);
    let record: StepRecord;
    if ('miss' in found) {
      const shared = await this.options.fleet?.reuse(key, this.store, this.signal);
      if (!shared) {
        if (found.miss === 'blob-corrupt' || found.miss === 'blob-missing') this.warn(view, `cached "${found.detail}" output was ${found.miss === 'blob-corrupt' ? 'damaged (its bytes no longer match their digest)' : 'missing'}; recomputing`);
        return false;
      }
      // Kept here too: a later run on this machine finds it without asking the services.
      this.cache.write(shared);
      record = shared;
    } else record = found.hit;
    const outputs = mapValues(record.outputs, (o) => ({ ...o, path: this.store.path(o.digest) }));
    this.journal.append({ event: 'step-cached', step: view.id, key, from: record.run });
    this.history.remember(view.id, key, record.run);
    for (const message of record.warnings ?? []) this.warn(view, `${message} (said when run ${record.run} computed it)`);
    this.finish(view, 'cached', `cached from run ${record.run}`, { outputs, cachedFrom: record.run, taskId: record.taskId, actualPrompt: record.actualPrompt });
    return true;
  }

  /** A URL serving this file: the one the recipe gave for it, else a provider's that `usable` accepts. */
  private knownUrl(path: string, usable: (url: KnownUrl) => boolean): string | undefined {
    const origin = this.media.originOf(path);
    if (origin && usable({ url: origin })) return origin;
    const digest = this.media.digestOf(path);
    return digest ? this.urls.find(digest, usable)?.url : undefined;
  }

  /** An upstream output under a name with its extension: some tools go by the extension, blobs have none. */
  private outputFile(stepId: string, name: string) {
    const output = this.views.get(stepId)?.outputs[name];
    if (!output) throw new Error(`step "${stepId}" has no output "${name}"`);
    return this.media.blob(output.digest, output.ext);
  }

  private finish(view: StepView, status: StepView['status'], message?: string, extra: Partial<StepView> = {}): void {
    if (status === 'skipped') this.journal.append({ event: 'step-skipped', step: view.id, because: message ?? '' });
    this.update(view, { ...extra, status, message, fraction: undefined, endedAt: Date.now() });
  }

  /** A damaged record of the state dir was moved to its quarantine: said once, whatever step found it. */
  private setAside(event: SetAside): void {
    const message = `set aside a damaged ${event.kind}, ${shown(event.file)} (${event.problem}), as ${shown(event.movedTo)}: ${event.note}`;
    this.journal.append({ event: 'set-aside', kind: event.kind, file: event.file, to: event.movedTo, problem: event.problem }, true);
    this.options.onEvent?.({ type: 'warning', message });
  }

  /** A warning that must reach the user in every output mode: on the step, and as one of the run's own. */
  private notice(view: StepView, message: string): void {
    view.warnings.push(message);
    this.options.onEvent?.({ type: 'warning', message: `step "${view.id}": ${message}` });
  }

  private warn(view: StepView, message: string): void {
    view.warnings.push(message);
    this.options.onEvent?.({ type: 'warning', step: view.id, message });
  }

  private update(view: StepView, change: Partial<StepView>): void {
    if (FINAL_STATUSES.has(view.status)) return;
    if (change.status && change.status !== view.status) (view.phases ??= []).push({ status: change.status, at: Date.now() });
    Object.assign(view, change);
    this.options.onEvent?.({ type: 'step', step: { ...view } });
  }
}

/** A path as the user would type it from where they ran vidrecipe. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}
