import type { Plan } from '../graph/plan.js';
import { checkInputLimits, type LimitProblem } from '../media/limits.js';
import { mediaValues } from '../models/param.js';
import type { AnyModel } from '../models/types.js';
import { roundUsd } from '../models/price.js';
import type { RecipeSource } from '../recipe/source.js';
import { DownloadDeferred, MediaFiles } from './media-files.js';
import { StateDir } from './state-dir.js';
import { StepCache } from './step-cache.js';
import { MediaInputError, resolveStep, type KeyMaterial } from './step-key.js';
import { ContentStore } from './store.js';
import type { DownloadPolicy } from '../providers/download-policy.js';

export interface CacheCheckOptions {
  noCache?: boolean;
  force?: readonly string[];
  /**
   * How an unreadable media file is reported: an error before `run`; a warning in `plan`, which often
   * runs where the media are not (a pull request's CI, a reviewer's laptop).
   */
  missingMedia?: 'error' | 'warning';
  /** The run's download policy: a URL it would refuse (a private address) is reported like an unreadable file. */
  downloads?: DownloadPolicy;
}

/**
 * Fills in the plan's cache column from the state dir, without running or downloading anything: a step
 * is `cached` when its key has a record whose blobs exist, which needs every step it reads from to be
 * cached too. A media file that cannot be read becomes an error at the value that names it, and one a
 * provider would refuse (too long, too slow, a mask that does not match its video) an error before any
 * money is spent.
 */
export async function checkCache(plan: Plan, stateDir: string, source: RecipeSource, options: CacheCheckOptions = {}): Promise<Map<string, KeyMaterial>> {
  const state = new StateDir(stateDir);
  const store = new ContentStore(state.objects, options.downloads);
  const cache = new StepCache(state.steps, store);
  const media = new MediaFiles(store, state.tmp, false);
  const outputs = new Map<string, Record<string, { digest: string }>>();
  const force = new Set(options.force ?? []);
  // What each step's key is made of, where it can be known now: what `--explain` compares.
  const keyed = new Map<string, KeyMaterial>();

  for (const planned of plan.steps) {
    const step = planned.spec;
    // Outputs of steps that will run are unknown until then; so is everything downstream of them.
    const known = step.refs.every((site) => site.ref.context !== 'steps' || outputs.has(site.ref.step));
    if (!known) continue;
    let key: string;
    let params: Record<string, unknown>;
    let material: KeyMaterial;
    try {
      ({ key, params, material } = await resolveStep(step, planned.backend, plan.inputs, (ref) => {
        const digest = outputs.get(ref.step)![ref.output]!.digest;
        return { path: store.path(digest), digest };
      }, media, plan.recipe.dir));
    } catch (error) {
      if (error instanceof MediaInputError && !(error.cause instanceof DownloadDeferred)) {
        plan.diagnostics.push(source.at(['steps', step.id, 'with', ...error.at], options.missingMedia ?? 'warning', 'media-file', `step "${step.id}": ${error.message}`));
      }
      continue;
    }
    keyed.set(step.id, material);
    const cached = step.cache && !options.noCache && !force.has(step.id) && cache.peek(key);
    if (!cached || !Object.values(cached.outputs).every((o) => store.has(o.digest))) {
      if (planned.backend !== 'local' && step.model.limits) {
        // A file the kind check found unreadable has its own error already, at its own value.
        const unreadableSaid = plan.diagnostics.some((d) => d.rule === 'media-kind');
        for (const problem of await limitProblems(step.model, params)) {
          if (problem.unreadable && unreadableSaid) continue;
          plan.diagnostics.push(source.at(['steps', step.id, 'with', ...problem.at], 'error', 'provider-limits', `step "${step.id}": ${problem.message}`));
        }
      }
      continue;
    }
    const record = cached;
    outputs.set(step.id, record.outputs);
    planned.cache = 'cached';
    planned.estimatedCostUsd = 0;
  }
  plan.totalEstimatedCostUsd = roundUsd(plan.steps.reduce((sum, s) => sum + s.estimatedCostUsd, 0));
  plan.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  return keyed;
}

/** The provider's limits over the step's local media files; a file ffprobe cannot read is a problem too. */
async function limitProblems(model: AnyModel, params: Record<string, unknown>): Promise<(LimitProblem & { unreadable?: boolean })[]> {
  try {
    return await checkInputLimits(model.limits!, mediaValues(model.params, params));
  } catch (error) {
    return [{ at: [] as (string | number)[], message: `cannot read its media to check the provider's limits: ${(error as Error).message}`, unreadable: true }];
  }
}
