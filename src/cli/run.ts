import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkCache } from '../engine/cache-status.js';
import { loadConfig } from '../engine/config.js';
import { writeReport } from '../engine/report.js';
import { runPlan, type RunResult } from '../engine/run.js';
import { planRecipe, type Plan } from '../graph/plan.js';
import { defaultExecutors } from '../providers/registry.js';
import type { ExecutorLookup } from '../providers/types.js';
import { loadRecipe } from '../recipe/load.js';
import { didYouMean } from '../recipe/suggest.js';
import type { Diagnostic } from '../recipe/types.js';
import { EXIT, UsageError } from './exit.js';
import { formatText } from './format/diagnostics.js';
import { usd } from './format/money.js';
import { runJson, runSummary } from './format/run.js';
import { progressView } from './progress.js';

export interface RunCommandOptions {
  input: string[];
  offline: boolean;
  out?: string;
  stateDir: string;
  maxCost?: string;
  cache: boolean;
  force: string[];
  json: boolean;
}

/** `vidrecipe run <recipe>`: plan, refuse what cannot run, then run with progress and write the report. */
export async function runCommand(file: string, options: RunCommandOptions, executors: ExecutorLookup = defaultExecutors): Promise<number> {
  const cwd = process.cwd();
  const maxCost = options.maxCost === undefined ? undefined : Number(options.maxCost);
  if (maxCost !== undefined && !(maxCost >= 0)) throw new UsageError(`--max-cost ${options.maxCost}: give an amount in US dollars, e.g. --max-cost 2.50`);

  const { recipe, diagnostics, source } = loadRecipe(file);
  const sources = new Map(source ? [[file, source.text]] : []);
  if (!recipe || !source) return refuse(diagnostics, sources);
  const config = loadConfig(cwd);
  if (config.diagnostics.length) {
    process.stderr.write(formatText(config.diagnostics, new Map(config.file ? [[config.diagnostics[0]!.file, readText(config.file)]] : [])));
    return EXIT.invalid;
  }
  for (const id of options.force) {
    if (!recipe.steps.has(id)) throw new UsageError(`--force ${id}: the recipe has no step "${id}"${didYouMean(id, [...recipe.steps.keys()])}`);
  }

  const plan = planRecipe(recipe, source, { inputs: options.input, offline: options.offline });
  if (plan.usage.length) throw new UsageError(plan.usage.join('\n'));
  const stateDir = resolve(cwd, options.stateDir);
  await checkCache(plan, stateDir, source, { noCache: !options.cache, force: options.force, missingMedia: 'error' });
  plan.diagnostics.unshift(...diagnostics);
  if (plan.diagnostics.some((d) => d.severity === 'error')) return refuse(plan.diagnostics, sources);
  if (maxCost !== undefined && plan.totalEstimatedCostUsd > maxCost) {
    const paid = plan.steps.filter((s) => s.estimatedCostUsd > 0).map((s) => `${s.id} ${usd(s.estimatedCostUsd)}`);
    process.stderr.write(`vidrecipe: refused: the uncached steps are estimated at ${usd(plan.totalEstimatedCostUsd)}, above --max-cost ${usd(maxCost)} (${paid.join(', ')}); raise --max-cost or run fewer steps\n`);
    return EXIT.budget;
  }

  for (const planned of plan.steps) {
    if (planned.cache !== 'cached' && !executors(planned.uses, planned.backend)) {
      plan.diagnostics.push(source.error(['steps', planned.id, 'uses'], 'backend', `step "${planned.id}": this build cannot run ${planned.uses} on ${planned.backend} yet`));
    }
  }
  if (plan.diagnostics.some((d) => d.severity === 'error')) return refuse(plan.diagnostics, sources);
  if (plan.diagnostics.length && !options.json) process.stderr.write(formatText(plan.diagnostics, sources));
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\nvidrecipe: stopping: cancelling running steps and writing the report (Ctrl-C again to quit at once; the journal keeps what finished)\n');
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const progress = options.json ? undefined : progressView(initialViews(plan));
  let result: RunResult;
  try {
    result = await runPlan(plan, {
      stateDir,
      outDir: resolve(cwd, options.out ?? join('out', recipe.name)),
      config: config.config,
      executors,
      noCache: !options.cache,
      force: options.force,
      signal: controller.signal,
      onEvent: progress ? (event) => progress.onEvent(event) : undefined,
    });
  } finally {
    await progress?.close();
  }
  await writeReport(plan, result, cwd);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  if (options.json) process.stdout.write(`${JSON.stringify(runJson(result), null, 2)}\n`);
  else process.stderr.write(runSummary(result, cwd));
  return result.status === 'succeeded' ? EXIT.ok : result.status === 'interrupted' ? EXIT.interrupted : EXIT.stepFailed;
}

function refuse(diagnostics: Diagnostic[], sources: Map<string, string>): number {
  process.stderr.write(formatText(diagnostics, sources));
  return EXIT.invalid;
}

function initialViews(plan: Plan) {
  return plan.steps.map((s) => ({ id: s.id, uses: s.uses, backend: s.backend, status: 'waiting' as const, attempts: 0, estimatedCostUsd: s.estimatedCostUsd, costUsd: 0, outputs: {}, warnings: [] }));
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
