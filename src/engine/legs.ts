import { hash } from 'node:crypto';
import type { Diagnostic } from '../recipe/types.js';
import type { PlannedStep } from '../graph/plan.js';
import { FINAL_STATUSES, type StepView } from './events.js';
import { roundUsd } from '../models/price.js';

/**
 * How progress, `run --json`, plans and reports speak of legs. A recipe step with a matrix runs as many
 * legs; every other step is one leg whose id is the step's. One module so that all outputs agree on what
 * a "matrix step" is and how its legs are counted.
 */

/** What every presentation needs of a leg: a PlannedStep, a StepView or a report step all fit. */
export interface LegLike {
  id: string;
  step?: string;
  matrix?: Record<string, string>;
}

/** The recipe step a leg belongs to (report.json leaves `step` out where it equals the id). */
export function stepOf(leg: LegLike): string {
  return leg.step ?? leg.id;
}

/**
 * A leg of a matrix step: it carries matrix values, even when the matrix has one leg (a glob that matched
 * one clip). Being a matrix step is a property of the recipe, not of how many legs it happened to expand to,
 * so a script reading `groups` finds the same keys whatever the data.
 */
export function isMatrixLeg(leg: LegLike): boolean {
  return leg.matrix !== undefined;
}

/**
 * The fields JSON outputs add to a leg: its recipe step and matrix values, only where they say something
 * (a matrix leg, or a step inside a sub-recipe whose leg id differs from its step). An ordinary step's
 * JSON stays as it was before batches.
 */
export function legFields(leg: LegLike): { step?: string; matrix?: Record<string, string> } {
  const step = stepOf(leg);
  if (!leg.matrix && step === leg.id) return {};
  return { step, ...(leg.matrix ? { matrix: leg.matrix } : {}) };
}

/** `shot=a, look=dawn`: a leg named by its values, for tables whose caption already names the step. */
export function matrixLabel(leg: LegLike): string {
  if (!leg.matrix) return leg.id;
  return Object.entries(leg.matrix)
    .map(([axis, label]) => `${axis}=${label}`)
    .join(', ');
}

export interface LegGroupOf<T> {
  step: string;
  legs: T[];
  /** Its legs carry matrix values (see {@link isMatrixLeg}). */
  matrix: boolean;
}

/** Legs grouped by recipe step, groups in the order their first leg comes (plan order). */
export function groupLegs<T extends LegLike>(legs: readonly T[]): LegGroupOf<T>[] {
  const groups = new Map<string, LegGroupOf<T>>();
  for (const leg of legs) {
    const step = stepOf(leg);
    let group = groups.get(step);
    if (!group) groups.set(step, (group = { step, legs: [], matrix: false }));
    group.legs.push(leg);
    if (isMatrixLeg(leg)) group.matrix = true;
  }
  return [...groups.values()];
}

/** Where a group's legs are, counted: the one line a 300-leg step gets. */
export interface LegTally {
  total: number;
  succeeded: number;
  cached: number;
  failed: number;
  /** Skipped or cancelled: did not run. */
  skipped: number;
  /** Working: uploading, submitting, running, downloading. */
  running: number;
  /** Started and waiting for a slot of its backend. */
  queued: number;
  waiting: number;
  runningAtProvider: number;
  costUsd: number;
  /** When the first leg left `waiting`, and, once all are final, when the last one ended. */
  startedAt?: number;
  endedAt?: number;
  final: boolean;
}

type TalliedLeg = Pick<StepView, 'status' | 'costUsd' | 'startedAt' | 'endedAt'>;

/**
 * A tally kept up to date leg by leg: progress updates it on every event of a 10,000-leg run, so each
 * change costs O(1), not a pass over the legs.
 */
export class LegCounter {
  private readonly t: LegTally = { total: 0, succeeded: 0, cached: 0, failed: 0, skipped: 0, running: 0, queued: 0, waiting: 0, runningAtProvider: 0, costUsd: 0, final: true };
  private unfinished = 0;
  private ended = 0;

  /** Counts a leg in (`sign` 1) or out (`sign` -1, its previous view, before counting its new one). */
  count(leg: TalliedLeg, sign: 1 | -1 = 1): void {
    const t = this.t;
    t.total += sign;
    t[bucket(leg.status)] += sign;
    t.costUsd += sign * leg.costUsd;
    if (!FINAL_STATUSES.has(leg.status)) this.unfinished += sign;
    // Times only move one way for a leg: kept as the earliest start and the latest end ever seen.
    if (sign === 1 && leg.startedAt !== undefined) t.startedAt = Math.min(t.startedAt ?? leg.startedAt, leg.startedAt);
    if (sign === 1 && FINAL_STATUSES.has(leg.status) && leg.endedAt) this.ended = Math.max(this.ended, leg.endedAt);
  }

  tally(): LegTally {
    const final = this.unfinished === 0;
    return { ...this.t, costUsd: roundUsd(this.t.costUsd), final, endedAt: final && this.ended ? this.ended : undefined };
  }
}

type Bucket = 'succeeded' | 'cached' | 'failed' | 'skipped' | 'running' | 'queued' | 'waiting' | 'runningAtProvider';

function bucket(status: StepView['status']): Bucket {
  switch (status) {
    case 'succeeded':
    case 'cached':
    case 'failed':
    case 'skipped':
    case 'queued':
    case 'waiting':
      return status;
    case 'cancelled':
      return 'skipped';
    case 'running_at_provider':
      return 'runningAtProvider';
    default:
      return 'running';
  }
}

export function tallyLegs(legs: readonly TalliedLeg[]): LegTally {
  const counter = new LegCounter();
  for (const leg of legs) counter.count(leg);
  return counter.tally();
}

/** `212/300 done · 3 running · 1 failed · 40 cached`: done counts cached legs, the parts say how. */
export function tallyWords(t: LegTally): string {
  const parts = [`${t.succeeded + t.cached}/${t.total} done`];
  if (t.running) parts.push(`${t.running} running`);
  if (t.queued) parts.push(`${t.queued} queued`);
  if (t.failed) parts.push(`${t.failed} failed`);
  if (t.cached) parts.push(`${t.cached} cached`);
  if (t.skipped) parts.push(`${t.skipped} skipped`);
  if (t.runningAtProvider) parts.push(`${t.runningAtProvider} running at provider`);
  return parts.join(' · ');
}

/**
 * `groups` of `run --json` and report.json: per matrix step, its legs counted and the ids of the failed
 * ones, so a script need not walk 300 legs to learn what to look at. Ordinary steps have none: their one
 * leg says it all. Absent (`{}`) when no step has a matrix, so such runs' JSON is as before batches.
 */
export function matrixGroupsJson(steps: readonly StepView[]) {
  const groups = groupLegs(steps).filter((g) => g.matrix);
  if (!groups.length) return {};
  return {
    groups: Object.fromEntries(
      groups.map((g) => {
        const t = tallyLegs(g.legs);
        return [
          g.step,
          {
            legs: t.total,
            succeeded: t.succeeded,
            cached: t.cached,
            failed: t.failed,
            // as `run --json` says of a leg: what did not run, cancelled included
            skipped: t.skipped + t.waiting + t.queued + t.running,
            ...(t.runningAtProvider ? { running_at_provider: t.runningAtProvider } : {}),
            cost_usd: t.costUsd,
            ...(t.startedAt !== undefined && t.endedAt !== undefined ? { duration_ms: t.endedAt - t.startedAt } : {}),
            failed_legs: g.legs.filter((l) => l.status === 'failed').map((l) => l.id),
          },
        ];
      }),
    ),
  };
}

/** How messages name a leg: `step "remove"`, or `leg remove[shot=a]` of a matrix step. */
export function legName(leg: Pick<PlannedStep, 'id' | 'step'>): string {
  return leg.id === leg.step ? `step "${leg.id}"` : `leg ${leg.id}`;
}

/** `--force STEP` forces every leg of the step; `--force 'STEP[axis=value]'` one leg. */
export function forced(force: ReadonlySet<string>, leg: Pick<PlannedStep, 'id' | 'step'>): boolean {
  return force.has(leg.id) || force.has(leg.step);
}

/**
 * Diagnostics about legs, each said once per place and problem: the 300 legs of a batch that share one
 * missing file in their `with` make one error, not 300 (naming the first leg found), while three rows of a
 * table that each name a missing file make three.
 */
export class OncePerSpot {
  private readonly seen = new Set<string>();

  constructor(private readonly into: Diagnostic[]) {}

  /** `problem`: the message without the leg's name, which tells one problem from another. */
  once(problem: string, diagnostic: Diagnostic): void {
    const key = `${diagnostic.file}:${diagnostic.line}:${diagnostic.col}:${diagnostic.rule}:${problem}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.into.push(diagnostic);
  }
}

/** `--force` for a leg, quoted for a shell when its id holds brackets or other special characters. */
export function forceFlag(id: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(id) ? `--force ${id}` : `--force '${id.replace(/'/g, `'\\''`)}'`;
}

/** A file name for a leg's work folder: readable, and distinct for distinct legs. */
export function legFileName(id: string): string {
  const readable = id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return readable === id ? id : `${readable}-${hash('sha256', id, 'hex').slice(0, 8)}`;
}
