import { relative } from 'node:path';
import { formatMs } from '../../recipe/duration.js';
import type { RunResult } from '../../engine/run.js';
import { usd } from '../../models/price.js';

/** `run --json`, as DESIGN.md fixes it. A step cancelled by Ctrl-C did not run: `skipped`. */
export function runJson(result: RunResult) {
  return {
    run_id: result.runId,
    status: result.status,
    cost_usd: result.costUsd,
    outputs: Object.fromEntries(Object.entries(result.outputs).map(([name, o]) => [name, o.file])),
    steps: Object.fromEntries(
      result.steps.map((s) => [
        s.id,
        {
          status: ['succeeded', 'cached', 'failed'].includes(s.status) ? s.status : 'skipped',
          backend: s.backend,
          outputs: Object.fromEntries(Object.entries(s.outputs).map(([name, o]) => [name, o.path])),
          cost_usd: s.costUsd,
          ...(s.taskId ? { task_id: s.taskId } : {}),
          attempts: s.attempts,
          ...(s.error ? { error: s.error } : {}),
          ...(s.status === 'skipped' || s.status === 'cancelled' ? { reason: s.message } : {}),
        },
      ]),
    ),
    report: result.runDir,
    ...(result.errors.length ? { errors: result.errors } : {}),
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
  lines.push(
    `run ${result.runId} ${result.status} in ${formatMs(result.endedAt - result.startedAt)} · ${result.steps.length} ${result.steps.length === 1 ? 'step' : 'steps'}: ${count('succeeded')} ran, ${count('cached')} cached` +
      `${failed.length ? `, ${failed.length} failed` : ''}${notRun ? `, ${notRun} not run` : ''} · cost ${usd(result.costUsd)}`,
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
