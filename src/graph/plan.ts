import type { z } from 'zod';
import { roundUsd } from '../models/price.js';
import type { Backend } from '../models/types.js';
import { formatReference } from '../recipe/expression.js';
import type { RecipeSource } from '../recipe/source.js';
import type { Diagnostic, Recipe, Step } from '../recipe/types.js';
import { buildDag, type Dag } from './dag.js';
import { paramsForPlan, resolveInputs, type InputValue } from './inputs.js';

/** Whether a step's result can be reused. The engine's cache answers `cached`; until then, `not-cached`. */
export type CacheStatus = 'cached' | 'not-cached' | 'disabled';

/** Looks a step up in the result cache; the engine provides one. */
export type CacheLookup = (step: Step, backend: Backend, params: Record<string, unknown>) => boolean;

export interface PlannedStep {
  id: string;
  uses: string;
  backend: Backend;
  /** All steps this one waits for: the ones it references and those in `needs`. */
  needs: string[];
  cache: CacheStatus;
  /** 0 when cached: nothing will be paid. */
  estimatedCostUsd: number;
  /** What the estimate assumes, from the model's price table. */
  priceBasis: string;
  level: number;
}

export interface Plan {
  recipe: Recipe;
  dag: Dag;
  inputs: Record<string, InputValue>;
  steps: PlannedStep[];
  order: string[];
  totalEstimatedCostUsd: number;
  /** Refusals (offline without a local implementation, missing inputs, bad values) and warnings (missing keys). */
  diagnostics: Diagnostic[];
  /** Problems with command-line arguments. */
  usage: string[];
}

export interface PlanOptions {
  inputs?: readonly string[];
  offline?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
  /** `error` when the plan is about to run; a plan alone only warns. */
  missingKey?: 'error' | 'warning';
  cache?: CacheLookup;
  cwd?: string;
}

export const API_KEYS: Readonly<Partial<Record<Backend, string>>> = {
  wavespeed: 'WAVESPEED_API_KEY',
  dashscope: 'DASHSCOPE_API_KEY',
};

/**
 * What a run would do, before anything runs: the order, where each step runs, whether its result is
 * already cached, and what it is estimated to cost. Everything that would make the run fail for
 * reasons known now is reported here, all at once.
 */
export function planRecipe(recipe: Recipe, source: RecipeSource, options: PlanOptions = {}): Plan {
  const dag = buildDag(recipe);
  const env = options.env ?? process.env;
  const resolved = resolveInputs(recipe, options.inputs ?? [], source, options.cwd);
  const diagnostics = [...resolved.diagnostics];
  const keyless = new Map<Backend, string[]>();
  const steps: PlannedStep[] = [];

  for (const id of dag.order) {
    const step = recipe.steps.get(id)!;
    const model = step.model;
    const backend: Backend = step.backend ?? (options.offline && model.local ? 'local' : model.provider);
    const at = ['steps', id];
    if (options.offline && backend !== 'local') {
      diagnostics.push(source.error([...at, 'uses'], 'offline', `step "${id}" uses ${model.id}, which has no local implementation, so it cannot run with --offline`));
    }
    const params = paramsForPlan(step, resolved.values);
    const parsed = resolved.diagnostics.length ? undefined : model.params.safeParse(params);
    if (parsed && !parsed.success) {
      // Validation passed, so what fails now is a value that only an input supplies.
      for (const issue of parsed.error.issues) {
        const rel = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
        const written = rel.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], step.with);
        const value = rel.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], params);
        diagnostics.push(
          source.error([...at, 'with', ...rel], 'input-value', `${String(written)} = ${JSON.stringify(value)} does not fit ${rel.join('.')}: ${issueText(issue)}`),
        );
      }
    }
    if (backend === 'local' && model.local?.refuse) {
      const why = model.local.refuse(params);
      if (why) diagnostics.push(source.error([...at, 'with'], 'offline', `step "${id}" cannot run locally: ${why}`, { key: true }));
    }
    const key = API_KEYS[backend];
    if (key && !env[key] && !options.offline) keyless.set(backend, [...(keyless.get(backend) ?? []), id]);

    const price =
      backend === 'local'
        ? { usd: 0, basis: model.provider === 'local' ? 'local, free' : `local preview of ${model.id}, free` }
        : parsed?.success
          ? model.price(parsed.data)
          : { usd: 0, basis: 'unknown until the parameters are valid' };
    const cached = !step.cache ? 'disabled' : options.cache?.(step, backend, params) ? 'cached' : 'not-cached';
    steps.push({
      id,
      uses: model.id,
      backend,
      needs: dag.deps.get(id)!,
      cache: cached,
      estimatedCostUsd: cached === 'cached' ? 0 : price.usd,
      priceBasis: price.basis,
      level: dag.level.get(id)!,
    });
  }

  for (const [backend, ids] of keyless) {
    const key = API_KEYS[backend]!;
    const first = recipe.steps.get(ids[0]!)!;
    diagnostics.push(
      source.at(['steps', first.id, 'uses'], options.missingKey ?? 'warning', 'api-key', `${key} is not set; ${ids.length === 1 ? 'step' : 'steps'} ${ids.map((i) => `"${i}"`).join(', ')} ${ids.length === 1 ? 'needs' : 'need'} it to run on ${backend}: export ${key}=… or run with --offline where a local implementation exists`),
    );
  }

  return {
    recipe,
    dag,
    inputs: resolved.values,
    steps,
    order: dag.order,
    totalEstimatedCostUsd: roundUsd(steps.reduce((sum, s) => sum + s.estimatedCostUsd, 0)),
    diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.col - b.col),
    usage: resolved.usage,
  };
}

/** A Zod issue in the words the validator uses for the same mistakes. */
function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return `must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    case 'too_small':
      return `must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `must be ${issue.expected}`;
    default:
      return issue.message;
  }
}

/** The recipe outputs and the step outputs they name, for reports and graphs. */
export function recipeOutputs(recipe: Recipe): { name: string; from: string; step?: string }[] {
  return Object.entries(recipe.outputs).map(([name, site]) => ({
    name,
    from: formatReference(site.ref),
    step: site.ref.context === 'steps' ? site.ref.step : undefined,
  }));
}
