import { accessSync, constants, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { checkCache } from '../engine/cache-status.js';
import type { EngineConfig } from '../engine/config.js';
import { waitingView } from '../engine/events.js';
import { explainPlan } from '../engine/explain.js';
import { enterStateDir, type StateDirUse } from '../engine/gc-lock.js';
import { outDirConflict } from '../engine/out-dir.js';
import { writeReport } from '../engine/report.js';
import { runPlan, type RunResult } from '../engine/run.js';
import { StateDir } from '../engine/state-dir.js';
import type { KeyMaterial } from '../engine/step-key.js';
import { checkStepMedia } from '../engine/step-media.js';
import { mediaPathsOf } from '../graph/media-paths.js';
import { mediaPreflight } from '../graph/media-preflight.js';
import { planRecipe, type Plan } from '../graph/plan.js';
import { usd } from '../models/price.js';
import { createExecutors } from '../providers/registry.js';
import type { ExecutorLookup } from '../providers/types.js';
import { capInSourceOrder } from '../recipe/cap.js';
import { loadRecipe } from '../recipe/load.js';
import { sourceTexts } from '../recipe/sub-recipe.js';
import { checkForce } from './force.js';
import type { Diagnostic } from '../recipe/types.js';
import { readConfig, withConfigSource } from './config-file.js';
import { EXIT, UsageError } from './exit.js';
import { formatText } from './format/diagnostics.js';
import { explainText } from './format/explain.js';
import { leftRunningLines, refusalJson, runJson, runSummary } from './format/run.js';
import { progressView } from './progress.js';
import { distrustWarning } from './state-warning.js';
import { checkTools } from './tools-check.js';
import { connectCoordinator } from './fleet.js';
import type { Coordinator } from '../engine/fleet/coordinator.js';

export interface RunCommandOptions {
  input: string[];
  offline: boolean;
  out?: string;
  stateDir: string;
  maxCost?: string;
  cache: boolean;
  force: string[];
  json: boolean;
  explain: boolean;
  config?: string;
  allowPath?: string[];
}

/** `vidrecipe run <recipe>`: plan, refuse what cannot run, then run with progress and write the report. */
export async function runCommand(file: string, options: RunCommandOptions, lookup?: ExecutorLookup): Promise<number> {
  let ready: Awaited<ReturnType<typeof preflight>>;
  try {
    ready = await preflight(file, options, lookup);
  } catch (error) {
    // A script reading `--json` gets an answer for a refused run too, not an empty stdout.
    if (options.json && error instanceof UsageError) printJson(refusalJson('invalid', error.message, []));
    throw error;
  }
  if (typeof ready === 'number') return ready;
  const { plan, config, stateDir, outDir, executors, keyed, fleet } = ready;
  try {
    return await runReady(options, plan, config, stateDir, outDir, executors, keyed, fleet);
  } finally {
    await fleet?.services.close();
  }
}

async function runReady(options: RunCommandOptions, plan: Plan, config: EngineConfig, stateDir: string, outDir: string, executors: ExecutorLookup, keyed: Map<string, KeyMaterial>, fleet: Coordinator | undefined): Promise<number> {
  const stateDistrust = distrustWarning(stateDir);
  const cwd = process.cwd();
  // Before the run: afterwards, every step's last result is this run's own.
  if (options.explain) process.stderr.write(explainText(plan, explainPlan(plan, stateDir, keyed, { noCache: !options.cache, force: options.force })));

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    const remote = plan.steps.some((s) => s.backend !== 'local') ? '; tasks a provider already accepted keep running there (and are billed): the next run re-attaches to them' : '';
    process.stderr.write(`\nvidrecipe: stopping: cancelling running steps and writing the report (Ctrl-C again to quit at once; the journal keeps what finished)${remote}\n`);
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Announced before the cache is read, and kept until the report is written: a gc leaves the cache whole meanwhile.
  let use: StateDirUse;
  try {
    use = await enterStateDir(new StateDir(stateDir), { signal: controller.signal, onWait: (gc) => process.stderr.write(`vidrecipe: waiting for vidrecipe cache gc (pid ${gc.pid}${gc.host === hostname() ? '' : ` on ${gc.host}`}) to finish cleaning the state dir\n`) });
  } catch (error) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (controller.signal.aborted) return EXIT.interrupted;
    throw error;
  }
  const progress = options.json ? undefined : progressView(plan.steps.map(waitingView));
  let result: RunResult;
  try {
    result = await runPlan(plan, {
      stateDir,
      outDir,
      config,
      executors,
      noCache: !options.cache,
      force: options.force,
      stateDistrust,
      signal: controller.signal,
      checkMedia: checkStepMedia,
      fleet,
      onEvent: (event) => {
        // A warning of the run itself (a damaged record set aside) has no line in a live list, and --json
        // shows no progress: both go to stderr as they happen, so none passes unseen.
        if (event.type === 'warning' && (!progress || !event.step)) process.stderr.write(`vidrecipe: warning: ${event.step ? `step "${event.step}": ` : ''}${event.message}\n`);
        else progress?.onEvent(event);
      },
    });
    await progress?.close();
    // The steps are done and paid for: a report that cannot be written must not hide their results.
    await writeReport(plan, result, cwd).catch((error: Error) => result.errors.push(`the report could not be written: ${error.message}`));
  } finally {
    use.leave();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (options.json) {
    printJson(runJson(result));
    const left = leftRunningLines(result);
    if (left.length) process.stderr.write(`${left.join('\n')}\n`);
  } else process.stderr.write(runSummary(result, cwd));
  return result.status === 'succeeded' ? EXIT.ok : result.status === 'interrupted' ? EXIT.interrupted : EXIT.stepFailed;
}

/**
 * Everything that can be known before a step runs: the recipe, the config, the plan with its cache
 * status, unreadable media, the budget, and steps this build cannot run. Returns an exit code to stop.
 */
async function preflight(file: string, options: RunCommandOptions, lookup?: ExecutorLookup): Promise<number | { plan: Plan; config: EngineConfig; stateDir: string; outDir: string; executors: ExecutorLookup; keyed: Map<string, KeyMaterial>; fleet?: Coordinator }> {
  const cwd = process.cwd();
  const maxCost = options.maxCost === undefined ? undefined : Number(options.maxCost);
  if (maxCost !== undefined && !(maxCost >= 0)) throw new UsageError(`--max-cost ${options.maxCost}: give an amount in US dollars, e.g. --max-cost 2.50`);

  const loaded = loadRecipe(file, { cap: false });
  const { recipe, diagnostics, source } = loaded;
  const refuse = (all: Diagnostic[], texts: Map<string, string>) => refuseInvalid(all, texts, options.json);
  const config = readConfig(options);
  const sources = withConfigSource(sourceTexts(loaded), config);
  if (!recipe || !source || config.diagnostics.length) return refuse([...capInSourceOrder(diagnostics), ...config.diagnostics], sources);
  const executors = lookup ?? createExecutors(config.config);
  const plan = planRecipe(recipe, source, { inputs: options.input, offline: options.offline });
  if (plan.usage.length) throw new UsageError(plan.usage.join('\n'));
  checkForce(options.force, plan);
  for (const [name, text] of plan.sources) sources.set(name, text);
  const stateDir = resolve(cwd, options.stateDir);
  // Before the media check, so a wrong FFPROBE_PATH is one usage error, not a problem of every file.
  checkTools([], mediaPathsOf(plan, source).length > 0);
  // A file the recipe may not read is not hashed or probed either.
  const refused = await mediaPreflight(plan, source, { allowPaths: options.allowPath, cwd });
  // Many machines: the services are checked before anything else is, and the shared cache counts in the plan.
  const fleet = refused ? undefined : await connectCoordinator(config.config);
  try {
    const keyed = refused ? new Map<string, KeyMaterial>() : await checkCache(plan, stateDir, { noCache: !options.cache, force: options.force, missingMedia: 'error', downloads: config.config.downloads, shared: fleet && ((key, store) => fleet.reuse(key, store)) });
    plan.diagnostics.unshift(...diagnostics);
    const ready = await preflightChecks(file, options, plan, source, sources, executors, stateDir, recipe.name, maxCost, fleet !== undefined);
    if (typeof ready === 'number') {
      await fleet?.services.close();
      return ready;
    }
    return { plan, config: config.config, stateDir, outDir: ready.outDir, executors, keyed, fleet };
  } catch (error) {
    await fleet?.services.close();
    throw error;
  }
}

/** After the cache check: budget, keys and backends, the out folder. Returns an exit code to stop. */
async function preflightChecks(file: string, options: RunCommandOptions, plan: Plan, source: NonNullable<ReturnType<typeof loadRecipe>['source']>, sources: Map<string, string>, executors: ExecutorLookup, stateDir: string, name: string, maxCost: number | undefined, onFleet: boolean): Promise<number | { outDir: string }> {
  const cwd = process.cwd();
  checkTools(onFleet ? [] : plan.steps.filter((s) => s.cache !== 'cached'));
  if (plan.diagnostics.some((d) => d.severity === 'error')) return refuseInvalid(capInSourceOrder(plan.diagnostics), sources, options.json);
  if (maxCost !== undefined && plan.totalEstimatedCostUsd > maxCost) {
    const paid = plan.steps.filter((s) => s.estimatedCostUsd > 0).map((s) => `${s.id} ${usd(s.estimatedCostUsd)}`);
    const message = `the uncached steps are estimated at ${usd(plan.totalEstimatedCostUsd)}, above --max-cost ${usd(maxCost)} (${paid.join(', ')}); raise --max-cost or run fewer steps`;
    process.stderr.write(`vidrecipe: refused: ${message}\n`);
    if (options.json) printJson({ ...refusalJson('budget', message, plan.diagnostics), estimated_cost_usd: plan.totalEstimatedCostUsd, max_cost_usd: maxCost });
    return EXIT.budget;
  }
  // The plan only warns about a missing key (a reviewer need not have one); a run that needs it cannot start.
  const toRun = plan.steps.filter((s) => s.cache !== 'cached');
  const keyless = toRun.filter((s) => s.missingKey);
  if (keyless.length) plan.diagnostics = plan.diagnostics.filter((d) => d.rule !== 'api-key');
  for (const planned of toRun) {
    const at = ['steps', planned.id, 'uses'];
    // On many machines the workers hold the keys and run the steps: this machine needs neither.
    if (onFleet) continue;
    if (planned.missingKey) {
      plan.diagnostics.push(source.error(at, 'api-key', `step "${planned.id}" runs on ${planned.backend} and needs ${planned.missingKey}: export ${planned.missingKey}=…, or run with --offline where a local implementation exists`));
    } else if (!executors(planned.uses, planned.backend)) {
      plan.diagnostics.push(source.error(at, 'backend', `step "${planned.id}": this build cannot run ${planned.uses} on ${planned.backend}`));
    }
  }
  plan.diagnostics = capInSourceOrder(plan.diagnostics);
  if (plan.diagnostics.some((d) => d.severity === 'error')) return refuseInvalid(plan.diagnostics, sources, options.json);
  if (plan.diagnostics.length && !options.json) process.stderr.write(formatText(plan.diagnostics, sources));
  const outDir = resolve(cwd, options.out ?? join('out', name));
  const conflict = outDirConflict(outDir, file, mediaPathsOf(plan, source));
  if (conflict) throw new UsageError(`${options.out ? `--out ${options.out}` : `the out folder ${join('out', name)}`}: ${conflict}, which the outputs could overwrite; choose another folder${options.out ? `, e.g. --out ${join('out', name)}` : ' with --out DIR'}`);
  for (const [flag, dir] of [['--out', outDir], ['--state-dir', stateDir]] as const) {
    const problem = unwritable(dir);
    if (problem) throw new UsageError(`${flag} ${dir}: cannot write there (${problem}); choose another folder`);
  }
  return { outDir };
}

function refuseInvalid(diagnostics: Diagnostic[], sources: Map<string, string>, json: boolean): number {
  process.stderr.write(formatText(diagnostics, sources));
  if (json) printJson(refusalJson('invalid', 'the recipe cannot run as it is; see diagnostics', diagnostics));
  return EXIT.invalid;
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Why `dir` cannot hold files (after creating it), or undefined when it can. */
function unwritable(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}
