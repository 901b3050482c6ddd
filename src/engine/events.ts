import type { PlannedStep } from '../graph/plan.js';
import type { StepFacts } from './step-facts.js';
import type { Backend, MediaKind } from '../models/types.js';

/** Where a step is. The first four are before or while it works; the rest are final. */
export type StepStatus =
  | 'waiting'
  | 'queued'
  | 'uploading'
  | 'submitting'
  | 'running'
  | 'downloading'
  | 'succeeded'
  | 'cached'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  /** The run was interrupted after the provider accepted the task: it goes on there, and is billed. */
  | 'running_at_provider';

export const FINAL_STATUSES: ReadonlySet<StepStatus> = new Set(['succeeded', 'cached', 'failed', 'skipped', 'cancelled', 'running_at_provider']);

export interface StepOutput {
  kind: MediaKind;
  digest: string;
  /** The blob in the store (or its named link). */
  path: string;
  ext: string;
}

/** Everything known about one step of a run; progress events carry a copy. */
export interface StepView {
  /** The leg id (see PlannedStep.id). */
  id: string;
  /** The recipe step it is a leg of: views group by it. */
  step: string;
  /** Axis → label, for a matrix leg. */
  matrix?: Record<string, string>;
  uses: string;
  backend: Backend;
  status: StepStatus;
  /** Attempts made (0 when cached or skipped). */
  attempts: number;
  key?: string;
  /** When it left `waiting`, and when it reached a final status (ms since epoch). */
  startedAt?: number;
  endedAt?: number;
  /** 0…1 while running, when the executor knows. */
  fraction?: number;
  /** A short note: the provider's task status, who holds a lock, why it was skipped … */
  message?: string;
  estimatedCostUsd: number;
  /** What this run paid for the step: 0 when cached, skipped or local. */
  costUsd: number;
  taskId?: string;
  /** The run whose result a cached step reused. */
  cachedFrom?: string;
  outputs: Record<string, StepOutput>;
  error?: string;
  warnings: string[];
  /** The parameters and media inputs it ran with, once resolved (absent when it never got that far). */
  facts?: StepFacts;
  /** The prompt the provider actually used, when it rewrote ours (DashScope's `prompt_extend`). */
  actualPrompt?: string;
  /** Each status it entered and when (ms since epoch): where its time went, for the report's timeline. */
  phases?: { status: StepStatus; at: number }[];
}

export type RunEvent = { type: 'step'; step: Readonly<StepView> } | { type: 'warning'; step?: string; message: string };

export type RunStatus = 'succeeded' | 'failed' | 'interrupted';

/** A planned step before anything happened to it: what the run starts from and progress first shows. */
export function waitingView(planned: PlannedStep): StepView {
  return { id: planned.id, step: planned.step, ...(planned.matrix ? { matrix: planned.matrix } : {}), uses: planned.uses, backend: planned.backend, status: 'waiting', attempts: 0, estimatedCostUsd: planned.estimatedCostUsd, costUsd: 0, outputs: {}, warnings: [] };
}
