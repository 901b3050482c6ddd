import type { Plan, PlannedStep } from '../graph/plan.js';
import { checkInputLimits, type LimitProblem } from '../media/limits.js';
import { mediaValues } from '../models/param.js';
import type { AnyModel } from '../models/types.js';
import { roundUsd } from '../models/price.js';
import { DownloadDeferred, MediaFiles } from './media-files.js';
import { StateDir } from './state-dir.js';
import { StepCache, type StepRecord } from './step-cache.js';
import { MediaInputError, resolveStep, type KeyMaterial } from './step-key.js';
import { slotsIn } from '../graph/bind.js';
import { forced, legName, OncePerSpot } from './legs.js';
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
  /** Many machines: the shared cache's record of a key this state dir lacks, its blobs brought into `store`. */
  shared?: (key: string, store: ContentStore) => Promise<StepRecord | undefined>;
}

/**
 * Fills in the plan's cache column from the state dir, without running or downloading anything: a step
 * is `cached` when its key has a record whose blobs exist, which needs every step it reads from to be
 * cached too. A media file that cannot be read becomes an error at the value that names it, and one a
 * provider would refuse (too long, too slow, a mask that does not match its video) an error before any
 * money is spent.
 */
export async function checkCache(plan: Plan, stateDir: string, options: CacheCheckOptions = {}): Promise<Map<string, KeyMaterial>> {
  const state = new StateDir(stateDir);
  const store = new ContentStore(state.objects, options.downloads);
  const cache = new StepCache(state.steps, store);
  const media = new MediaFiles(store, state.tmp, false);
  const outputs = new Map<string, Record<string, { digest: string }>>();
  const force = new Set(options.force ?? []);
  // What each step's key is made of, where it can be known now: what `--explain` compares.
  const keyed = new Map<string, KeyMaterial>();
  const said = new OncePerSpot(plan.diagnostics);
  // Legs of one model over the same files have the same problems: a shot list of 10,000 rows names a few clips.
  const limitsOf = new Map<string, Promise<(LimitProblem & { unreadable?: boolean })[]>>();

  // A step found done makes the steps that read its outputs resolvable: rounds until none is left. On
  // many machines the shared cache is asked once per round for all of its steps, not once per step.
  const seen = new Set<PlannedStep>();
  const whole = (record: StepRecord | undefined): record is StepRecord => record !== undefined && Object.values(record.outputs).every((o) => store.has(o.digest));
  for (let more = true; more; ) {
    more = false;
    const asked: Promise<void>[] = [];
    for (const planned of plan.steps) {
      // Outputs of legs that will run are unknown until then; so is everything downstream of them.
      if (seen.has(planned) || !slotsIn(planned.with).every((slot) => outputs.has(slot.leg))) continue;
      seen.add(planned);
      more = true;
      const step = planned.spec;
      let key: string;
      let params: Record<string, unknown>;
      let material: KeyMaterial;
      try {
        ({ key, params, material } = await resolveStep(planned, planned.backend, (slot) => {
          const digest = outputs.get(slot.leg)![slot.output]!.digest;
          return { path: store.path(digest), digest };
        }, media));
      } catch (error) {
        if (error instanceof MediaInputError && !(error.cause instanceof DownloadDeferred)) {
          said.once(error.message, planned.source.at(['steps', step.id, 'with', ...error.at], options.missingMedia ?? 'warning', 'media-file', `${legName(planned)}: ${error.message}`));
        }
        continue;
      }
      keyed.set(planned.id, material);
      const reusable = step.cache && !options.noCache && !forced(force, planned);
      const cached = reusable ? cache.peek(key) : undefined;
      const settle = async (record: StepRecord | undefined) => {
        if (whole(record)) {
          outputs.set(planned.id, record.outputs);
          planned.cache = 'cached';
          planned.estimatedCostUsd = 0;
          return;
        }
        if (planned.backend === 'local' || !step.model.limits) return;
        // A file the kind check found unreadable has its own error already, at its own value.
        const unreadableSaid = plan.diagnostics.some((d) => d.rule === 'media-kind');
        const files = mediaValues(step.model.params, params);
        const same = `${step.model.id}\0${JSON.stringify(files)}`;
        if (!limitsOf.has(same)) limitsOf.set(same, limitProblems(step.model, files));
        for (const problem of await limitsOf.get(same)!) {
          if (problem.unreadable && unreadableSaid) continue;
          said.once(problem.message, planned.source.at(['steps', step.id, 'with', ...problem.at], 'error', 'provider-limits', `${legName(planned)}: ${problem.message}`));
        }
      };
      if (reusable && options.shared && !whole(cached)) asked.push(options.shared(key, store).then(settle));
      else await settle(cached);
    }
    await Promise.all(asked);
  }
  plan.totalEstimatedCostUsd = roundUsd(plan.steps.reduce((sum, s) => sum + s.estimatedCostUsd, 0));
  plan.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  return keyed;
}

/** The provider's limits over the step's local media files; a file ffprobe cannot read is a problem too. */
async function limitProblems(model: AnyModel, files: Record<string, string | string[]>): Promise<(LimitProblem & { unreadable?: boolean })[]> {
  try {
    return await checkInputLimits(model.limits!, files);
  } catch (error) {
    return [{ at: [] as (string | number)[], message: `cannot read its media to check the provider's limits: ${(error as Error).message}`, unreadable: true }];
  }
}
