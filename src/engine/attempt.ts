import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnyModel, Backend } from '../models/types.js';
import { AccountError, NotSubmittedError, PermanentError, RateLimitedError, TaskFailedError, type ExecContext, type ExecResult, type Executor, type KnownUrl, type RemoteExecutor, type StepProgress } from '../providers/types.js';
import type { StepOutput } from './events.js';
import type { Journal } from './journal.js';
import type { SubmitLimiter } from './limiter.js';
import { mediaExt } from './media-files.js';
import type { ContentStore } from './store.js';
import type { TaskBook, TaskRecord } from './tasks.js';
import { formatMs } from '../recipe/duration.js';
import { reattachDoubt } from './state-trust.js';
import { forceFlag, legFileName } from './legs.js';

/** What the engine hands to {@link runAttempts} for one step. */
export interface AttemptPlan {
  step: string;
  model: AnyModel;
  backend: Backend;
  key: string;
  params: Record<string, unknown>;
  executor: Executor;
  retries: number;
  timeoutMs?: number;
  /** `--force STEP`: also submit again when an earlier submit's outcome is unknown. */
  force: boolean;
}

export interface AttemptEnv {
  run: string;
  tmpDir: string;
  store: ContentStore;
  tasks: TaskBook;
  journal: Journal;
  limiter: SubmitLimiter;
  retryDelayMs: number;
  signal: AbortSignal;
  digestOf(path: string): string | undefined;
  knownUrl(path: string, usable: (url: KnownUrl) => boolean): string | undefined;
  rememberUrl(path: string, url: KnownUrl): void;
  /** Why the state dir's records may not be this user's own (see state-trust.ts), if they may not. */
  distrust?: string;
  /** The records are the fleet's, in PostgreSQL: one written by another machine is the normal case, not a doubt. */
  sharedRecords?: boolean;
  /** Something the user must read whatever the output mode (a re-attach to a task it may not know). */
  notice(message: string): void;
  /** Whether this run still holds the step's lock (renewing it); absent for steps computed without one. */
  holdsLock?: () => boolean;
  /** Why this backend must not be used any more in this run (it refused the account), if it must not. */
  halted(): string | undefined;
  /** The backend refused the account: no other step may use it in this run. Called at once, before other steps go on. */
  halt(): void;
  progress(progress: StepProgress & { attempt?: number; taskId?: string }): void;
  warn(message: string): void;
  /** What the implementation warns (its ctx.warn): shown like `warn`, and kept with the result it computed. */
  said(message: string): void;
}

export interface AttemptsResult {
  outputs: Record<string, StepOutput>;
  costUsd?: number;
  taskId?: string;
  remoteUrls?: ExecResult['remoteUrls'];
  actualPrompt?: string;
  attempts: number;
}

/** The run was stopped (Ctrl-C): not a failure of the step, and never retried. */
export class Cancelled extends Error {
  override name = 'Cancelled';
}

/** The backend refused the account in another step: this one is not tried at all. */
export class Halted extends Error {
  override name = 'Halted';
}

/** 429s in a row before a submit gives up: a quota that is exhausted, not a burst, answers 429 forever. */
const MAX_THROTTLES = 8;

const MAX_BACKOFF_MS = 60_000;

/**
 * Runs a step until it succeeds or has used 1 + retries attempts, each with its own timeout and work
 * folder, waiting 1×, 2×, 4× … the base delay in between. Outputs move into the store before it returns.
 */
export async function runAttempts(plan: AttemptPlan, env: AttemptEnv): Promise<AttemptsResult> {
  for (let attempt = 1; ; attempt++) {
    // Unique per run, step and attempt, inside a run folder that starts empty: nothing to clean first.
    const workDir = join(env.tmpDir, `${legFileName(plan.step)}.${attempt}`);
    mkdirSync(workDir);
    const clock = new AttemptClock(plan.timeoutMs);
    // A signal of the attempt's own: the listeners its processes add go away with it, not onto the run's.
    const signal = AbortSignal.any([env.signal, clock.signal]);
    try {
      env.journal.append({ event: 'step-start', step: plan.step, key: plan.key, attempt });
      const result = await execute(plan, env, workDir, signal, clock, attempt);
      const outputs = await adoptOutputs(plan, result, env, workDir, signal);
      return { outputs, costUsd: result.costUsd, taskId: result.taskId, remoteUrls: result.remoteUrls, actualPrompt: result.actualPrompt, attempts: attempt };
    } catch (raw) {
      const error = env.signal.aborted ? new Cancelled('interrupted') : clock.expired ? new Error(`timed out after ${formatMs(plan.timeoutMs!)}; raise timeout: on the step if it needs longer`) : asError(raw);
      if (error instanceof AccountError) env.halt();
      const final = error instanceof Cancelled || error instanceof Halted || error instanceof PermanentError || attempt > plan.retries;
      env.journal.append({ event: 'step-failed', step: plan.step, key: plan.key, error: error.message, attempt, final });
      if (final) throw Object.assign(error, { attempts: attempt });
      const delay = Math.min(MAX_BACKOFF_MS, env.retryDelayMs * 2 ** (attempt - 1));
      env.warn(`attempt ${attempt} of ${plan.retries + 1} failed: ${error.message}; retrying in ${formatMs(delay)}`);
      try {
        await sleep(delay, undefined, { signal: env.signal });
      } catch {
        throw Object.assign(new Cancelled('interrupted'), { attempts: attempt });
      }
    } finally {
      clock.stop();
      removeDir(workDir);
    }
  }
}

/**
 * A step's timeout, started when its work starts (a remote step's first upload, or its slot when there
 * is nothing to upload; a local step's slot), so the time queued before any work does not count.
 */
class AttemptClock {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  expired = false;
  readonly signal = this.controller.signal;
  constructor(private readonly timeoutMs?: number) {}

  start(): void {
    if (this.timer || !this.timeoutMs) return;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error('timed out'));
    }, this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

async function execute(plan: AttemptPlan, env: AttemptEnv, workDir: string, signal: AbortSignal, clock: AttemptClock, attempt: number): Promise<ExecResult & { taskId?: string }> {
  let taskId: string | undefined;
  const ctx: ExecContext = {
    stepId: plan.step,
    params: plan.params,
    workDir,
    signal,
    progress: (p) => env.progress({ ...p, attempt, taskId }),
    warn: env.said,
    digestOf: env.digestOf,
    knownUrl: env.knownUrl,
    rememberUrl: env.rememberUrl,
  };
  const executor = plan.executor;
  // A slot is held while the work happens, not through the back-off before the next attempt; for a
  // remote step only from submit to the provider's answer, as the provider counts tasks in flight:
  // uploads and the download of the result take none of its slots.
  if (executor.kind === 'local') {
    return env.limiter.withSlot(() => {
      clock.start();
      env.progress({ state: 'running', attempt });
      return executor.run(ctx);
    }, env.signal);
  }
  const stopIfHalted = () => {
    const halted = env.halted();
    if (halted) throw new Halted(halted);
  };
  stopIfHalted();
  // Never pay twice. A task submitted by an earlier run and never finished is re-attached to (nothing
  // to upload); a submit whose outcome is unknown is not replayed unless the user forces it.
  const open = await env.tasks.get(plan.key, { step: plan.step, backend: plan.backend, model: plan.model.id });
  // --force replays an unknown submit of an earlier run once; never one of this run's own attempts.
  if (open?.state === 'intent' && !(plan.force && open.run !== env.run)) {
    throw new PermanentError(
      `a submit of this step to ${open.backend} at ${open.intentAt} (run ${open.run}) got no answer, so the provider may have the task and charge for it; ` +
        `check the provider's task list, then run again with ${forceFlag(plan.step)} to submit anew`,
    );
  }
  // --force submits anew rather than re-attach to a task of an earlier run: it is how a user refuses one.
  const forced = plan.force && open !== undefined && open.run !== env.run;
  const reattach = open?.state === 'submitted' && !forced ? open.taskId : undefined;
  if (open?.state === 'submitted' && forced) env.notice(`${forceFlag(plan.step)}: not re-attaching to task ${open.taskId} on ${open.backend} (run ${open.run}); submitting anew`);
  const doubt = reattach && !env.sharedRecords ? reattachDoubt(open!, env.distrust) : undefined;
  if (doubt) env.notice(`re-attaching to task ${reattach} on ${plan.backend}, named by ${doubt}: its result is used as this step's; if you did not submit that task, run again with ${forceFlag(plan.step)} to submit anew`);
  const prepare = executor.prepare?.bind(executor);
  const request = !reattach && prepare ? await env.limiter.withUpload(() => (stopIfHalted(), clock.start(), prepare(ctx)), env.signal) : undefined;
  return env.limiter.withSlot(async () => {
    stopIfHalted();
    clock.start();
    const result = await submitAndWait(plan, env, executor, ctx, { reattach, request, from: open?.run, stopIfHalted }, attempt, (id) => (taskId = id));
    return { ...result, taskId };
  }, env.signal);
}

async function submitAndWait(
  plan: AttemptPlan,
  env: AttemptEnv,
  executor: RemoteExecutor,
  ctx: ExecContext,
  open: { reattach?: string; request: unknown; from?: string; stopIfHalted(): void },
  attempt: number,
  setTaskId: (id: string) => void,
): Promise<ExecResult> {
  const signal = ctx.signal;
  let taskId: string;
  if (open.reattach) {
    taskId = open.reattach;
    setTaskId(taskId);
    env.journal.append({ event: 'reattach', step: plan.step, key: plan.key, task: taskId, from: open.from ?? '' }, true);
    env.progress({ state: 'running', message: `re-attached to task ${taskId}`, attempt, taskId });
  } else {
    env.progress({ state: 'submitting', attempt });
    let intent: TaskRecord | undefined;
    let submitted: { taskId: string } | undefined;
    for (let throttled = 0; !submitted; ) {
      let left = false;
      try {
        submitted = await env.limiter.submit(async (ready) => {
          // Another step may have found the account refused while this one waited for the window.
          open.stopIfHalted();
          // A run that stalled past its lock's lease may find another run computing the step by now.
          if (env.holdsLock && !env.holdsLock()) throw new PermanentError('this run lost its lock on the step (it was not renewed in time: the process or machine was stopped) and another run took it over; nothing was submitted — run again to reuse that run\'s result');
          // Written when the request is about to leave, not while it waits for the rate window: a run
          // killed in the queue sent nothing and must not block the next one.
          intent = await env.tasks.intent({ key: plan.key, step: plan.step, run: env.run, backend: plan.backend, model: plan.model.id });
          env.journal.append({ event: 'submit-intent', step: plan.step, key: plan.key, backend: plan.backend }, true);
          await ready();
          open.stopIfHalted();
          left = true;
          return executor.submit(ctx, open.request);
        }, signal);
      } catch (error) {
        // Never sent, or refused with an answer: no task exists, so a retry may submit again. A record
        // this attempt did not write (an earlier run's unanswered submit) is left as it is.
        if (intent && (!left || error instanceof NotSubmittedError || error instanceof PermanentError)) await env.tasks.clear(plan.key);
        // "Too many requests" is the provider pacing us, not the step failing: every submission of the
        // backend waits as asked, and this one goes again without using up an attempt.
        if (!(error instanceof RateLimitedError) || ++throttled > MAX_THROTTLES) throw error;
        await env.limiter.pauseSubmissions(error.retryAfterMs);
        env.journal.append({ event: 'throttled', step: plan.step, key: plan.key, retry_after_ms: error.retryAfterMs });
        env.progress({ state: 'submitting', message: `${plan.backend} asked to slow down; submitting again in ${formatMs(error.retryAfterMs)}`, attempt });
        intent = undefined;
      }
    }
    taskId = submitted.taskId;
    setTaskId(taskId);
    await env.tasks.submitted(intent!, taskId);
    env.journal.append({ event: 'submitted', step: plan.step, key: plan.key, task: taskId }, true);
    env.progress({ state: 'running', message: `task ${taskId}`, attempt, taskId });
  }
  try {
    return await executor.wait(taskId, ctx);
  } catch (error) {
    // The provider answered that the task failed: it is over, and the next attempt submits anew.
    // Any other error (a refused or dropped poll, Ctrl-C) leaves the task open for re-attaching: the
    // task may run on and be paid for whatever our poll was told.
    if (error instanceof TaskFailedError) await env.tasks.clear(plan.key);
    throw error;
  }
}

async function adoptOutputs(plan: AttemptPlan, result: ExecResult, env: AttemptEnv, workDir: string, signal: AbortSignal): Promise<Record<string, StepOutput>> {
  const outputs: Record<string, StepOutput> = {};
  for (const [name, kind] of Object.entries(plan.model.outputs)) {
    const produced = result.outputs[name];
    if (!produced) throw new Error(`${plan.model.id} finished without its "${name}" output`);
    let digest: string;
    if (/^https?:\/\//i.test(produced)) {
      env.progress({ state: 'downloading' });
      digest = (await env.store.download(produced, env.tmpDir, signal)).digest;
    } else {
      // Only what the attempt wrote is moved; anything else (an input handed back unchanged) is copied.
      digest = await env.store.adopt(produced, isInside(workDir, produced));
    }
    outputs[name] = { kind, digest, ext: mediaExt(produced, kind), path: env.store.path(digest) };
  }
  return outputs;
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Outputs were moved out, so the folder is usually empty: one rmdir instead of a recursive walk. */
function removeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
