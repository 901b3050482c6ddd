import { relative } from 'node:path';
import { formatMs } from '../../recipe/duration.js';
import type { RunResult } from '../../engine/run.js';
import type { Diagnostic } from '../../recipe/types.js';
import { diagnosticRows } from './diagnostics.js';
import { usd } from '../../models/price.js';
import { leftRunning } from '../../engine/report.js';
import type { StepView } from '../../engine/events.js';
import { groupLegs, legFields, matrixGroupsJson } from '../../engine/legs.js';

/** A run's result and, once run.ts passes it on from publishRun, what its out folder holds. */

/**
 * `run --json`, as DESIGN.md fixes it. A step cancelled by Ctrl-C did not run: `skipped`; one whose task
 * the provider had accepted is `running_at_provider`, with its task id and estimated cost. `steps` is keyed
 * by leg id; a matrix leg names its recipe step and matrix values, and `groups` counts each matrix step's
 * legs (present only when the recipe has a matrix step).
 */
export function runJson(result: RunResult) {
  const left = leftRunning(result.steps);
  return {
    run_id: result.runId,
    status: result.status,
    cost_usd: result.costUsd,
    ...(left.steps.length ? { pending_cost_usd: left.costUsd } : {}),
    outputs: Object.fromEntries(Object.entries(result.outputs).map(([name, o]) => [name, o.file])),
    steps: Object.fromEntries(
      result.steps.map((s) => [
        s.id,
        {
          ...legFields(s),
          status: ['succeeded', 'cached', 'failed', 'running_at_provider'].includes(s.status) ? s.status : 'skipped',
          backend: s.backend,
          outputs: Object.fromEntries(Object.entries(s.outputs).map(([name, o]) => [name, o.path])),
          cost_usd: s.costUsd,
          ...(s.taskId ? { task_id: s.taskId } : {}),
          attempts: s.attempts,
          ...(s.error ? { error: s.error } : {}),
          ...(s.status === 'running_at_provider' ? { estimated_cost_usd: s.estimatedCostUsd } : {}),
          ...(s.status === 'skipped' || s.status === 'cancelled' || s.status === 'running_at_provider' ? { reason: s.message } : {}),
        },
      ]),
    ),
    ...matrixGroupsJson(result.steps),
    report: result.runDir,
    ...(result.errors.length ? { errors: result.errors } : {}),
  };
}

/**
 * `run --json` for a run refused before anything ran: the same shape as a finished run (nothing ran, nothing
 * was paid), with why. `invalid` is exit 2 (recipe, config or usage), `budget` exit 3 (`--max-cost`).
 */
export function refusalJson(reason: 'invalid' | 'budget', message: string, diagnostics: readonly Diagnostic[]) {
  return {
    run_id: null,
    status: 'refused' as const,
    reason,
    message,
    cost_usd: 0,
    outputs: {},
    steps: {},
    diagnostics: diagnosticRows(diagnostics),
  };
}

/** Failed legs a summary names one by one; the rest are counted (all are in report.json and `--json`). */
const LISTED_FAILURES = 10;

/** What a person reads at the end of a run: the first failure first, then counts, outputs and the report. */
export function runSummary(result: RunResult, cwd: string): string {
  const lines: string[] = [];
  const failed = result.steps.filter((s) => s.status === 'failed');
  lines.push(...failureLines(result, failed));
  for (const error of result.errors) lines.push(`error: ${error}`);
  const count = (status: string) => result.steps.filter((s) => s.status === status).length;
  const notRun = count('skipped') + count('cancelled');
  const left = leftRunning(result.steps);
  lines.push(...leftRunningLines(result));
  lines.push(
    `run ${result.runId} ${result.status} in ${formatMs(result.endedAt - result.startedAt)} · ${stepCount(result.steps)}: ${count('succeeded')} ran, ${count('cached')} cached` +
      `${failed.length ? `, ${failed.length} failed` : ''}${left.steps.length ? `, ${left.steps.length} running at provider` : ''}${notRun ? `, ${notRun} not run` : ''} · cost ${usd(result.costUsd)}` +
      `${left.steps.length ? ` (+ ${usd(left.costUsd)} estimated for the tasks still running)` : ''}`,
  );
  const outputs = Object.entries(result.outputs);
  if (outputs.length) {
    const width = Math.max(...outputs.map(([n]) => n.length));
    // A matrix output is a folder of one file per leg.
    const files = (o: (typeof outputs)[number][1]) => (o.legs ? `/ (${o.legs.length} ${o.legs.length === 1 ? 'file' : 'files'}, one per leg)` : '');
    lines.push('outputs:', ...outputs.map(([name, o]) => `  ${name.padEnd(width)}  ${relative(cwd, o.file) || o.file}${files(o)}`));
  }
  lines.push(...outFolderLines(result, cwd));
  // The page to look at; report.md beside it is the one to paste into a pull request.
  lines.push(`report: ${relative(cwd, `${result.runDir}/report.html`)} (report.md beside it for a PR)`);
  return `${lines.join('\n')}\n`;
}

/**
 * What the out folder holds when it is not simply this run's every output: one run's outputs, never a mix,
 * so a run that made only some says which are missing, and one that published nothing says whose are there.
 */
function outFolderLines(result: RunResult, cwd: string): string[] {
  const folder = result.outFolder;
  if (!folder) return [];
  const dir = relative(cwd, folder.dir) || '.';
  if (!folder.replaced) {
    const why = result.status === 'interrupted' ? 'the run was interrupted' : 'this run made none of the outputs';
    return [`out: ${dir} left as it was (${why})${folder.run ? `: it holds the outputs of run ${folder.run}` : ''}`];
  }
  if (!folder.missing.length) return [];
  const one = folder.missing.length === 1;
  return [`out: ${dir} holds this run's outputs only: ${folder.missing.join(', ')} ${one ? 'is' : 'are'} missing (${one ? 'its step' : 'their steps'} did not finish), and no file of an earlier run is left in ${one ? 'its' : 'their'} place`];
}

/** `4 steps`, or with matrix steps `3 steps (302 legs)`: the counts after it are of legs. */
function stepCount(steps: readonly StepView[]): string {
  const groups = groupLegs(steps);
  const n = `${groups.length} ${groups.length === 1 ? 'step' : 'steps'}`;
  return groups.some((g) => g.matrix || g.legs.length > 1) ? `${n} (${steps.length} ${steps.length === 1 ? 'leg' : 'legs'})` : n;
}

/**
 * The failures, the first one first. A step of one leg: its error, as always. A matrix step: how many of its
 * legs failed, the first {@link LISTED_FAILURES} with their errors, and that a re-run redoes only them: the
 * legs that finished are in the cache.
 */
function failureLines(result: RunResult, failed: StepView[]): string[] {
  const isFirst = (leg: StepView) => leg.id === result.firstFailure;
  const groups = groupLegs(failed);
  const legs = new Map(groupLegs(result.steps).map((g) => [g.step, g]));
  // The group of the first failure first, and in it that leg first.
  groups.sort((a, b) => Number(b.legs.some(isFirst)) - Number(a.legs.some(isFirst)));
  const lines: string[] = [];
  for (const group of groups) {
    const all = legs.get(group.step)!;
    if (!all.matrix && all.legs.length === 1) {
      lines.push(`error: step "${group.legs[0]!.id}" failed: ${group.legs[0]!.error ?? 'unknown error'}`);
      continue;
    }
    group.legs.sort((a, b) => Number(isFirst(b)) - Number(isFirst(a)));
    const finished = all.legs.filter((l) => l.status === 'succeeded' || l.status === 'cached').length;
    lines.push(`error: step "${group.step}": ${group.legs.length} of ${all.legs.length} legs failed:`);
    for (const leg of group.legs.slice(0, LISTED_FAILURES)) lines.push(`  ${leg.id}: ${(leg.error ?? 'unknown error').split('\n')[0]}`);
    if (group.legs.length > LISTED_FAILURES) lines.push(`  … and ${group.legs.length - LISTED_FAILURES} more (every one in report.json)`);
    const one = group.legs.length === 1;
    if (finished) lines.push(`  a re-run redoes only the failed ${one ? 'leg' : 'legs'} (and what needs ${one ? 'it' : 'them'}); the ${finished} that finished come from the cache`);
  }
  return lines;
}

/**
 * What a person must know after Ctrl-C: which tasks the providers still run (and bill), and that the next
 * run picks them up rather than paying again. Printed in every mode: with `--json`, on stderr too.
 */
export function leftRunningLines(result: Pick<RunResult, 'steps'>): string[] {
  const left = leftRunning(result.steps);
  if (!left.steps.length) return [];
  const tasks = left.steps.map((s) => `  ${s.id}: ${s.backend} task ${s.taskId ?? '(unknown id)'}, estimated ${usd(s.estimatedCostUsd)}`);
  const one = left.steps.length === 1;
  return [
    `warning: ${left.steps.length} ${one ? 'task is' : 'tasks are'} still running at the provider and will be billed (estimated ${usd(left.costUsd)} in all):`,
    ...tasks,
    `  the next run of this recipe re-attaches to ${one ? 'it' : 'them'} instead of submitting again`,
  ];
}
