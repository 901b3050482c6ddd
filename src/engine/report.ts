import { statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { redact } from './redact.js';
import type { StepView } from './events.js';
import type { RunResult } from './run.js';
import type { Plan } from '../graph/plan.js';
import { createRequire } from 'node:module';
import { ffmpegVersion } from '../media/binaries.js';
import { roundUsd } from '../models/price.js';
import { reportHtml } from './report-html.js';
import { ReportMedia, type MediaView } from './report-media.js';
import { attachMedia } from './report-views.js';
import { stepTimeline, type TimelineSpan } from './report-timeline.js';
import { StateDir } from './state-dir.js';
import { reportMarkdown } from './report-markdown.js';
import { legFields, matrixGroupsJson } from './legs.js';

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
  /** Some step ran a remote model on its local implementation: the outputs only approximate the provider's. */
  offline_preview: boolean;
  /** What made the outputs, for reproducing them. */
  tools: { vidrecipe: string; node: string; ffmpeg?: string };
  steps: {
    /** The leg id; `step` and `matrix` for a matrix leg (see legFields). */
    id: string;
    step?: string;
    matrix?: Record<string, string>;
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
    /** A remote model run on its local implementation (`--offline`, `backend: local`). */
    offline_preview: boolean;
    /** The parameters it ran with; media values as the recipe wrote them. Absent when it never resolved them. */
    params?: Record<string, unknown>;
    /** The prompts among the parameters (`prompt`, `negative_prompt`, `mask_prompt` …). */
    prompts?: Record<string, string>;
    /** The prompt the provider actually used, when it rewrote ours (DashScope's `actual_prompt`). */
    actual_prompt?: string;
    /** Where its time went, in ms from the run's start. */
    timeline: TimelineSpan[];
    /** For a step that edits a video: the video it edited (the "before" of its output). */
    before?: { param: string; digest: string } & MediaView;
    outputs: Record<string, { kind: string; digest: string; bytes: number } & MediaView>;
  }[];
  /** Per matrix step, its legs counted (as in `run --json`); absent when no step has a matrix. */
  groups?: Record<string, { legs: number; succeeded: number; cached: number; failed: number; skipped: number; running_at_provider?: number; cost_usd: number; duration_ms?: number; failed_legs: string[] }>;
  /** A matrix output is a folder (`file`) of one file per leg (`legs`), its `digest` empty. */
  outputs: Record<string, { file: string; kind: string; digest: string; step?: string; poster?: string; legs?: { leg: string; file: string; digest: string }[] } & MediaView>;
}

const { version: VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * Writes report.json, report.md and report.html into the run folder, with posters, frame strips, playable
 * copies and animated previews of the media beside them (made once per content digest, see ReportMedia).
 * report.md is made to be pasted into a pull request; report.html is the page to review the run in.
 */
export async function writeReport(plan: Plan, result: RunResult, cwd = process.cwd()): Promise<RunReport> {
  const report = reportOf(plan, result, cwd);
  report.tools.ffmpeg = await ffmpegVersion().then((line) => /version (\S+)/.exec(line)?.[1] ?? line, () => undefined);
  const state = new StateDir(dirname(dirname(result.runDir)));
  await attachMedia(report, result, new ReportMedia(join(state.root, 'previews'), result.runDir, result.status !== 'interrupted'), (digest) => join(state.objects, digest));
  writeReportFiles(result.runDir, report);
  return report;
}

/** The three report files, from the report's facts. */
export function writeReportFiles(runDir: string, report: RunReport): void {
  // Errors quote providers' bodies, which may quote our request: no secret reaches a file posted to a PR.
  const json = redact(`${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(join(runDir, 'report.json'), json);
  // Rendered from the redacted facts: Markdown's escaping (`sk\-…`) would hide a key from the redactor.
  const redacted = JSON.parse(json) as RunReport;
  writeFileAtomic(join(runDir, 'report.md'), redact(reportMarkdown(redacted)));
  writeFileAtomic(join(runDir, 'report.html'), redact(reportHtml(redacted)));
}

/** The facts of a run, before any media is attached. */
export function reportOf(plan: Plan, result: RunResult, cwd: string): RunReport {
  const outputs: RunReport['outputs'] = {};
  for (const [name, output] of Object.entries(result.outputs)) {
    const shown = (file: string) => relative(cwd, file) || file;
    outputs[name] = { file: shown(output.file), kind: output.kind, digest: output.digest, step: output.step };
    if (output.legs) outputs[name]!.legs = output.legs.map((l) => ({ leg: l.leg, file: shown(l.file), digest: l.digest }));
  }
  const offline = (s: StepView) => s.backend === 'local' && !s.uses.startsWith('local/');
  const left = leftRunning(result.steps);
  return {
    run_id: result.runId,
    recipe: plan.recipe.file,
    name: plan.recipe.name,
    status: result.status,
    started_at: new Date(result.startedAt).toISOString(),
    ended_at: new Date(result.endedAt).toISOString(),
    duration_ms: result.endedAt - result.startedAt,
    cost_usd: roundUsd(result.costUsd),
    pending_cost_usd: left.steps.length ? left.costUsd : undefined,
    estimated_cost_usd: roundUsd(result.steps.reduce((sum, s) => sum + (s.status === 'cached' ? 0 : s.estimatedCostUsd), 0)),
    cache_hits: result.steps.filter((s) => s.status === 'cached').length,
    first_failure: result.firstFailure,
    offline_preview: result.steps.some(offline),
    tools: { vidrecipe: VERSION, node: process.version },
    steps: result.steps.map((s) => ({
      id: s.id,
      ...legFields(s),
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
      offline_preview: offline(s),
      params: s.facts?.params,
      prompts: s.facts ? promptsOf(s.facts.params) : undefined,
      actual_prompt: s.actualPrompt,
      timeline: stepTimeline(s, result.startedAt, result.endedAt),
      outputs: Object.fromEntries(Object.entries(s.outputs).map(([n, o]) => [n, { kind: o.kind, digest: o.digest, bytes: size(o.path) }])),
    })),
    ...matrixGroupsJson(result.steps),
    outputs,
  };
}

/** Text parameters named for a prompt, in parameter order. */
function promptsOf(params: Record<string, unknown>): Record<string, string> | undefined {
  const found = Object.entries(params).filter((e): e is [string, string] => /prompt/.test(e[0]) && typeof e[1] === 'string' && e[1] !== '');
  return found.length ? Object.fromEntries(found) : undefined;
}

/** Steps whose task the provider still runs after Ctrl-C, and what they are estimated to cost. */
export function leftRunning(steps: readonly StepView[]): { steps: StepView[]; costUsd: number } {
  const left = steps.filter((s) => s.status === 'running_at_provider');
  return { steps: left, costUsd: roundUsd(left.reduce((sum, s) => sum + s.estimatedCostUsd, 0)) };
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
