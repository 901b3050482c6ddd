import { resolve } from 'node:path';
import { checkCache } from '../engine/cache-status.js';
import { explainPlan } from '../engine/explain.js';
import { mediaPathsOf } from '../graph/media-paths.js';
import { mediaPreflight } from '../graph/media-preflight.js';
import { planRecipe } from '../graph/plan.js';
import { capInSourceOrder } from '../recipe/cap.js';
import { loadRecipe } from '../recipe/load.js';
import { loadPrecompiled } from '../recipe/precompiled.js';
import { StructureChecker } from '../recipe/structure.js';
import { sourceTexts } from '../recipe/sub-recipe.js';
import { checkForce } from './force.js';
import { readConfig, withConfigSource } from './config-file.js';
import { EXIT, UsageError } from './exit.js';
import { formatText } from './format/diagnostics.js';
import { formatPlan, type PlanFormat } from './format/plan.js';
import { distrustWarning } from './state-warning.js';
import { checkTools } from './tools-check.js';
import { connectCoordinator } from './fleet.js';
import type { EngineConfig } from '../engine/config.js';
import type { Coordinator } from '../engine/fleet/coordinator.js';

export interface PlanCommandOptions {
  input: string[];
  offline: boolean;
  format: PlanFormat;
  stateDir: string;
  cache: boolean;
  force: string[];
  explain: boolean;
  config?: string;
  allowPath?: string[];
}

/** `vidrecipe plan <recipe>`: the DAG, backends, cache status and cost, before anything runs. */
export async function planCommand(file: string, options: PlanCommandOptions): Promise<number> {
  const loaded = loadRecipe(file, { checker: new StructureChecker(await loadPrecompiled()), cap: false });
  const { recipe, diagnostics, source } = loaded;
  const config = readConfig(options);
  const sources = withConfigSource(sourceTexts(loaded), config);
  if (!recipe || !source) {
    process.stderr.write(formatText([...capInSourceOrder(diagnostics), ...config.diagnostics], sources));
    return EXIT.invalid;
  }
  const plan = planRecipe(recipe, source, { inputs: options.input, offline: options.offline });
  if (plan.usage.length) throw new UsageError(plan.usage.join('\n'));
  checkForce(options.force, plan);
  const stateDir = resolve(options.stateDir);
  const cacheOptions = { noCache: !options.cache, force: options.force, downloads: config.config.downloads };
  const checkKinds = ffprobeFound(mediaPathsOf(plan, source).length > 0);
  // A file the recipe may not read is not hashed or probed either.
  const refused = await mediaPreflight(plan, source, { allowPaths: options.allowPath, checkKinds });
  const fleet = refused ? undefined : await sharedCache(config.config);
  let keyed;
  try {
    keyed = refused ? new Map() : await checkCache(plan, stateDir, { ...cacheOptions, shared: fleet && ((key, store) => fleet.reuse(key, store)) });
  } finally {
    await fleet?.services.close();
  }
  // A plan's "cached" column read from a committed state dir is only as good as whoever committed it.
  distrustWarning(stateDir);
  // Validation warnings (an unused output …) belong in the plan a reviewer reads, too.
  plan.diagnostics = capInSourceOrder([...diagnostics, ...plan.diagnostics]);
  for (const [file, text] of plan.sources) sources.set(file, text);
  const all = [...plan.diagnostics, ...config.diagnostics];
  if (all.length) process.stderr.write(formatText(all, sources));
  if (all.some((d) => d.severity === 'error')) return EXIT.invalid;
  process.stdout.write(formatPlan(plan, options.format, options.explain ? explainPlan(plan, stateDir, keyed, cacheOptions) : undefined));
  return EXIT.ok;
}

/**
 * With the many-machines services configured, the plan's cached column counts the shared cache too. A
 * reviewer's machine may not reach them: then a warning, and the column says what this machine has.
 */
async function sharedCache(config: EngineConfig): Promise<Coordinator | undefined> {
  try {
    return await connectCoordinator(config);
  } catch (error) {
    process.stderr.write(`vidrecipe: warning: the shared cache cannot be read, so "cached" counts this machine's state dir only: ${(error as Error).message}\n`);
    return undefined;
  }
}

/**
 * A plan is a preview a reviewer may read on a machine without ffmpeg: a missing ffprobe is one warning
 * naming the setting, and the media files go unchecked by content, rather than every file said unreadable.
 */
function ffprobeFound(probesMedia: boolean): boolean {
  try {
    checkTools([], probesMedia);
    return true;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`vidrecipe: warning: ${error.message} The media files were not checked by content; vidrecipe run will refuse to start without ffprobe.\n`);
    return false;
  }
}
