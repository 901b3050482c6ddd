import type { z } from 'zod';
import type { Backend } from '../models/types.js';

/** What a running step reports while it works; the engine adds queued/done/cached itself. */
export interface StepProgress {
  state: 'uploading' | 'submitting' | 'running' | 'downloading';
  /** 0…1 when known. */
  fraction?: number;
  /** A short note shown beside the state (e.g. the provider's task status). */
  message?: string;
}

/** Everything an executor gets for one attempt of one step; `Params` is its model's, as the model's schema outputs them. */
export interface ExecContext<Params = Record<string, unknown>> {
  stepId: string;
  /**
   * The model's parameters after its Zod schema (defaults applied). Every media value is an absolute
   * path of a local file that exists: the engine resolved references, recipe paths and downloads.
   */
  params: Params;
  /** An empty folder owned by this attempt; outputs are written here. */
  workDir: string;
  /** Aborted on timeout, Ctrl-C, or when the run stops. */
  signal: AbortSignal;
  progress(progress: StepProgress): void;
  /** A warning about this step, shown in progress and kept in the report. */
  warn(message: string): void;
  /** Content digest of a media file among the params (for upload caches keyed by content). */
  digestOf(path: string): string | undefined;
  /**
   * A URL that already serves this file's bytes and that `usable` accepts (a provider's own upload, an
   * earlier task's output, the URL the recipe gave): sending it saves an upload.
   */
  knownUrl(path: string, usable: (url: KnownUrl) => boolean): string | undefined;
  /** Remembers where a file was uploaded, so later steps and runs skip the upload while it is valid. */
  rememberUrl(path: string, url: KnownUrl): void;
}

/** Where a provider can fetch some content from, and until when. */
export interface KnownUrl {
  url: string;
  /** ISO time the URL stops working; absent when nobody said (the recipe's own URL). */
  expiresAt?: string;
  /** Who can use it: absent for public http(s) URLs; e.g. `dashscope wan2.1-vace-plus` for an `oss://` upload bound to one model. */
  scope?: string;
}

/** What a finished attempt produced. */
export interface ExecResult {
  /** Output name → an absolute file path, or an http(s) URL the engine downloads into the store. */
  outputs: Record<string, string>;
  /** What the provider charged, when it says so; otherwise the plan's estimate is reported. */
  costUsd?: number;
  /** Provider URLs of the outputs and until when they are valid, so later remote steps skip re-uploads. */
  remoteUrls?: Record<string, KnownUrl>;
  /** The prompt the provider says it used, when it rewrote the one sent (shown in the report). */
  actualPrompt?: string;
}

/** Runs on this machine: one call does the whole job. */
export interface LocalExecutor {
  kind: 'local';
  run(ctx: ExecContext): Promise<ExecResult>;
}

/** A local executor tied to its model: it runs that model only, with the model's parameter type. */
export interface ModelExecutor extends LocalExecutor {
  /** The model's id. */
  model: string;
}

/**
 * The local executor of `model`, whose `run` sees the parameters with the model's own type. The engine
 * hands an executor only parameters its model's schema accepted (defaults applied): this is the one
 * place that says so to the type checker, instead of a cast in every executor.
 */
export function localExecutor<Model extends { id: string; params: z.ZodType }>(model: Model, run: (ctx: ExecContext<z.output<Model['params']>>) => Promise<ExecResult>): ModelExecutor {
  return { kind: 'local', model: model.id, run: (ctx) => run(ctx as ExecContext<z.output<Model['params']>>) };
}

/**
 * A hosted task: prepare, submit, then wait. The split lets the engine journal the task id between submit
 * and wait, so a later run re-attaches with `wait(taskId)` instead of paying for a second task; and keeps
 * uploads (`prepare`) out of the submit, so a run killed while uploading has surely submitted nothing.
 */
export interface RemoteExecutor<Request = unknown> {
  kind: 'remote';
  /** Uploads and checks: everything before the one request that creates a task. Free to repeat. */
  prepare?(ctx: ExecContext): Promise<Request>;
  /** The request that creates (and pays for) the task, with what `prepare` returned. */
  submit(ctx: ExecContext, request: Request): Promise<{ taskId: string }>;
  wait(taskId: string, ctx: ExecContext): Promise<ExecResult>;
}

export type Executor = LocalExecutor | RemoteExecutor;

/** Finds the executor of a model on a backend; undefined when that backend cannot run it. */
export type ExecutorLookup = (modelId: string, backend: Backend) => Executor | undefined;

/**
 * A failure that trying again cannot fix (bad parameters, an input out of range): the step fails at once.
 * Thrown by `submit`, it also says no task was created (the provider refused with an answer).
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * The provider refused the account itself (invalid API key, unpaid balance): every other step on that
 * backend would fail the same way, so the run stops using it after this one message.
 */
export class AccountError extends PermanentError {
  override name = 'AccountError';
}

/**
 * A submit that surely created no task (refused with an answer, or never sent): safe to submit again.
 * Any other error thrown by `submit` leaves the outcome unknown, and the engine will not replay it.
 */
export class NotSubmittedError extends Error {
  override name = 'NotSubmittedError';
}

/** The provider said "too many requests": nothing was created; submit again after `retryAfterMs`. */
export class RateLimitedError extends NotSubmittedError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The provider answered that the task failed: it is over (nothing to re-attach to); a retry submits anew. */
export class TaskFailedError extends Error {
  override name = 'TaskFailedError';
}
