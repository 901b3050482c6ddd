import { mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { redact } from './redact.js';
import type { StepView } from './events.js';
import type { RunResult } from './run.js';
import type { Plan } from '../graph/plan.js';
import { createRequire } from 'node:module';
import { ffmpegVersion } from '../media/binaries.js';
import { extractFrame } from '../media/still.js';
import { probe } from '../media/probe.js';
import { roundUsd, usd } from '../models/price.js';
import { formatMs } from '../recipe/duration.js';

/** `runs/<id>/report.json`: the whole run, for tools. Snake case, like every JSON vidrecipe prints. */
export interface RunReport {
  run_id: string;
  recipe: string;
  name: string;
  status: RunResult['status'];
  started_at: string;
  ended_at: string;
  duration_ms: number;
  cost_usd: number;
  /** Estimated cost of the tasks a provider still runs after Ctrl-C (steps `running_at_provider`); billed, not yet paid by a run. */
  pending_cost_usd?: number;
  estimated_cost_usd: number;
  cache_hits: number;
  first_failure?: string;
  /** What made the outputs, for reproducing them. */
  tools: { vidrecipe: string; node: string; ffmpeg?: string };
  steps: {
    id: string;
    uses: string;
    backend: string;
    status: StepView['status'];
    attempts: number;
    duration_ms?: number;
    cost_usd: number;
    estimated_cost_usd: number;
    cached_from?: string;
    task_id?: string;
    error?: string;
    /** Why a step stopped short: for `running_at_provider`, where its task is and what the next run does. */
    reason?: string;
    warnings: string[];
    outputs: Record<string, { kind: string; digest: string; bytes: number }>;
  }[];
  outputs: Record<string, { file: string; kind: string; digest: string; step?: string; poster?: string }>;
}

const POSTER_WIDTH = 320;
const { version: VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * Writes report.json and report.md into the run folder, with a PNG poster of each output (its middle
 * frame) beside them. report.md is made to be pasted into a pull request.
 */
export async function writeReport(plan: Plan, result: RunResult, cwd = process.cwd()): Promise<RunReport> {
  const posters = join(result.runDir, 'posters');
  const outputs: RunReport['outputs'] = {};
  for (const [name, output] of Object.entries(result.outputs)) {
    let poster: string | undefined;
    try {
      mkdirSync(posters, { recursive: true });
      const info = await probe(output.file);
      const file = join(posters, `${name}.png`);
      await extractFrame(output.file, info.kind === 'video' && info.duration > 0 ? info.duration / 2 : 'first', file, { maxWidth: POSTER_WIDTH, info });
      poster = relative(result.runDir, file);
    } catch {
      // A poster is a convenience; the report is written without it.
    }
    outputs[name] = { file: relative(cwd, output.file) || output.file, kind: output.kind, digest: output.digest, step: output.step, poster };
  }
  const report: RunReport = {
    run_id: result.runId,
    recipe: plan.recipe.file,
    name: plan.recipe.name,
    status: result.status,
    started_at: new Date(result.startedAt).toISOString(),
    ended_at: new Date(result.endedAt).toISOString(),
    duration_ms: result.endedAt - result.startedAt,
    cost_usd: roundUsd(result.costUsd),
    pending_cost_usd: pendingCost(result.steps),
    estimated_cost_usd: roundUsd(result.steps.reduce((sum, s) => sum + (s.status === 'cached' ? 0 : s.estimatedCostUsd), 0)),
    cache_hits: result.steps.filter((s) => s.status === 'cached').length,
    first_failure: result.firstFailure,
    tools: { vidrecipe: VERSION, node: process.version, ffmpeg: await ffmpegVersion().then((line) => /version (\S+)/.exec(line)?.[1] ?? line, () => undefined) },
    steps: result.steps.map((s) => ({
      id: s.id,
      uses: s.uses,
      backend: s.backend,
      status: s.status,
      attempts: s.attempts,
      duration_ms: s.startedAt && s.endedAt ? s.endedAt - s.startedAt : undefined,
      cost_usd: roundUsd(s.costUsd),
      estimated_cost_usd: s.estimatedCostUsd,
      cached_from: s.cachedFrom,
      task_id: s.taskId,
      error: s.error,
      ...(s.status === 'running_at_provider' ? { reason: s.message } : {}),
      warnings: s.warnings,
      outputs: Object.fromEntries(Object.entries(s.outputs).map(([n, o]) => [n, { kind: o.kind, digest: o.digest, bytes: size(o.path) }])),
    })),
    outputs,
  };
  // Errors quote providers' bodies, which may quote our request: no secret reaches a file posted to a PR.
  writeFileAtomic(join(result.runDir, 'report.json'), redact(`${JSON.stringify(report, null, 2)}\n`));
  writeFileAtomic(join(result.runDir, 'report.md'), redact(reportMarkdown(report)));
  return report;
}

const ICON: Record<StepView['status'], string> = {
  succeeded: '✅',
  cached: '♻️',
  failed: '❌',
  skipped: '⏭️',
  cancelled: '⏹️',
  running_at_provider: '⏳',
  waiting: '…',
  queued: '…',
  uploading: '…',
  submitting: '…',
  running: '…',
  downloading: '…',
};

export function reportMarkdown(report: RunReport): string {
  const count = (status: string) => report.steps.filter((s) => s.status === status).length;
  const ran = count('succeeded');
  const lines = [
    `## vidrecipe run: ${report.name} ${report.status === 'succeeded' ? '✅ succeeded' : report.status === 'failed' ? '❌ failed' : '⏹️ interrupted'}`,
    '',
    `\`${report.recipe}\` · run \`${report.run_id}\` · ${report.steps.length} ${report.steps.length === 1 ? 'step' : 'steps'}: ${ran} ran, ${report.cache_hits} cached, ${count('failed')} failed, ${count('running_at_provider') ? `${count('running_at_provider')} running at provider, ` : ''}${count('skipped') + count('cancelled')} not run · ` +
      `cost **${usd(report.cost_usd)}**${report.pending_cost_usd ? ` + ${usd(report.pending_cost_usd)} still running at the provider` : ''} · ${formatMs(report.duration_ms)}`,
    '',
  ];
  const failed = report.steps.filter((s) => s.status === 'failed');
  if (failed.length) {
    const first = failed.find((s) => s.id === report.first_failure) ?? failed[0]!;
    lines.push(`> [!CAUTION]`, `> step \`${first.id}\` failed: ${oneLine(first.error ?? '')}`, '');
  }
  const left = report.steps.filter((s) => s.status === 'running_at_provider');
  if (left.length) {
    const tasks = left.map((s) => `\`${s.id}\` (${s.backend} task \`${s.task_id ?? '?'}\`, ${usd(s.estimated_cost_usd)})`).join(', ');
    lines.push(
      `> [!WARNING]`,
      `> ${left.length === 1 ? '1 task is' : `${left.length} tasks are`} still running at the provider and will be billed, estimated **${usd(report.pending_cost_usd ?? 0)}**: ${tasks}. ` +
        `The next run of this recipe re-attaches to ${left.length === 1 ? 'it' : 'them'} instead of submitting again.`,
      '',
    );
  }
  lines.push('| step | model | backend | status | attempts | time | cost |', '| --- | --- | --- | --- | ---: | ---: | ---: |');
  for (const s of report.steps) {
    const status = `${ICON[s.status]} ${s.status === 'running_at_provider' ? `running at provider (task \`${s.task_id ?? '?'}\`)` : s.status}${s.cached_from ? ` (run ${s.cached_from})` : ''}`;
    lines.push(`| \`${s.id}\` | \`${s.uses}\` | ${s.backend} | ${status} | ${s.attempts} | ${s.duration_ms === undefined ? '–' : formatMs(s.duration_ms)} | ${usd(s.cost_usd)} |`);
  }
  const outputs = Object.entries(report.outputs);
  if (outputs.length) {
    lines.push('', '### Outputs', '');
    for (const [name, o] of outputs) {
      lines.push(`**${name}** (${o.kind}${o.step ? `, from \`${o.step}\`` : ''}): \`${o.file}\``, '');
      if (o.poster) lines.push(`![${name}](${o.poster})`, '');
    }
  }
  const notes = report.steps.flatMap((s) => [...(s.error ? [`- \`${s.id}\`: ${oneLine(s.error)}`] : []), ...s.warnings.map((w) => `- \`${s.id}\` (warning): ${oneLine(w)}`)]);
  if (notes.length) lines.push('', '<details><summary>Errors and warnings</summary>', '', ...notes, '', '</details>');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** What the tasks left running at a provider are estimated to cost; undefined when there are none. */
function pendingCost(steps: readonly StepView[]): number | undefined {
  const left = steps.filter((s) => s.status === 'running_at_provider');
  return left.length ? roundUsd(left.reduce((sum, s) => sum + s.estimatedCostUsd, 0)) : undefined;
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ').replace(/\|/g, '\\|');
}
