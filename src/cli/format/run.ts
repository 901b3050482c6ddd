import { relative } from 'node:path';
import { formatMs } from '../../recipe/duration.js';
import type { RunResult } from '../../engine/run.js';
import type { Diagnostic } from '../../recipe/types.js';
import { diagnosticRows } from './diagnostics.js';
import { usd } from '../../models/price.js';
import { leftRunning } from '../../engine/report.js';

/**
 * `run --json`, as DESIGN.md fixes it. A step cancelled by Ctrl-C did not run: `skipped`; one whose task
 * the provider had accepted is `running_at_provider`, with its task id and estimated cost.
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

/** What a person reads at the end of a run: the first failure first, then counts, outputs and the report. */
export function runSummary(result: RunResult, cwd: string): string {
  const lines: string[] = [];
  const failed = result.steps.filter((s) => s.status === 'failed');
  failed.sort((a, b) => (a.id === result.firstFailure ? -1 : b.id === result.firstFailure ? 1 : 0));
  for (const step of failed) lines.push(`error: step "${step.id}" failed: ${step.error ?? 'unknown error'}`);
  for (const error of result.errors) lines.push(`error: ${error}`);
  const count = (status: string) => result.steps.filter((s) => s.status === status).length;
  const notRun = count('skipped') + count('cancelled');
  const left = leftRunning(result.steps);
  lines.push(...leftRunningLines(result));
  lines.push(
    `run ${result.runId} ${result.status} in ${formatMs(result.endedAt - result.startedAt)} · ${result.steps.length} ${result.steps.length === 1 ? 'step' : 'steps'}: ${count('succeeded')} ran, ${count('cached')} cached` +
      `${failed.length ? `, ${failed.length} failed` : ''}${left.steps.length ? `, ${left.steps.length} running at provider` : ''}${notRun ? `, ${notRun} not run` : ''} · cost ${usd(result.costUsd)}` +
      `${left.steps.length ? ` (+ ${usd(left.costUsd)} estimated for the tasks still running)` : ''}`,
  );
  const outputs = Object.entries(result.outputs);
  if (outputs.length) {
    const width = Math.max(...outputs.map(([n]) => n.length));
    lines.push('outputs:', ...outputs.map(([name, o]) => `  ${name.padEnd(width)}  ${relative(cwd, o.file) || o.file}`));
  }
  // The page to look at; report.md beside it is the one to paste into a pull request.
  lines.push(`report: ${relative(cwd, `${result.runDir}/report.html`)} (report.md beside it for a PR)`);
  return `${lines.join('\n')}\n`;
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
