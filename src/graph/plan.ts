import { API_KEYS } from '../providers/api-keys.js';
import type { z } from 'zod';
import { roundUsd } from '../models/price.js';
import { UNKNOWN, type Backend, type ParamIssue } from '../models/types.js';
import { formatReference, ruleView } from '../recipe/expression.js';
import { paramLabel } from '../recipe/schema.js';
import type { RecipeSource } from '../recipe/source.js';
import { isSubRecipe, type Diagnostic, type Recipe, type Step } from '../recipe/types.js';
import { buildDag, type Dag } from './dag.js';
import { paramsForPlan, resolveInputs, type InputValue } from './inputs.js';

/** Whether a step's result can be reused. Until the engine's cache exists, nothing is `cached`. */
export type CacheStatus = 'cached' | 'not-cached' | 'disabled';

/** One leg of a recipe step: what the scheduler, the limiters and the cache see as a step. */
export interface PlannedStep {
  /** The leg id: `remove`; `remove[shot=a,look=dawn]` for a matrix leg; `tidy/remove` inside a sub-recipe. */
  id: string;
  /** The recipe step it is a leg of: `remove`, or `tidy/remove` inside a sub-recipe. */
  step: string;
  /** Axis → label of this leg's value, for a matrix leg. */
  matrix?: Record<string, string>;
  /** The declaration it runs: model, parameters as written, options. */
  spec: Step;
  uses: string;
  backend: Backend;
  /** All steps this one waits for: the ones it references and those in `needs`. */
  needs: string[];
  cache: CacheStatus;
  /** 0 when cached: nothing will be paid. */
  estimatedCostUsd: number;
  /** What the estimate assumes, from the model's price table. */
  priceBasis: string;
  /** The API key variable this step's backend needs and the environment lacks. */
  missingKey?: string;
}

/** A recipe step and its legs, in plan order. */
export interface LegGroup {
  step: string;
  legs: string[];
  maxParallel?: number;
  failFast: boolean;
}

export interface Plan {
  recipe: Recipe;
  /** One per recipe step (a step without a matrix has one leg), in plan order. */
  groups: LegGroup[];
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
  cwd?: string;
}


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
    if (isSubRecipe(step)) throw new Error(`step "${id}": sub-recipes are not planned yet`);
    const model = step.model;
    const backend: Backend = step.backend ?? (options.offline && model.local ? 'local' : model.provider);
    const at = ['steps', id];
    if (options.offline && backend !== 'local') {
      const why = step.backend ? `pins backend: ${step.backend}; remove that line to run it offline` : `uses ${model.id}, which has no local implementation, so it cannot run with --offline`;
      diagnostics.push(source.error([...at, step.backend ? 'backend' : 'uses'], 'offline', `step "${id}" ${why}`));
    }
    const params = paramsForPlan(step, resolved.values, (ref) => `<${formatReference(ref)}>`);
    // Without every input there is nothing sound to check or price.
    const parsed = resolved.diagnostics.length ? undefined : model.params.safeParse(params);
    if (parsed) diagnostics.push(...inputValueDiagnostics(step, resolved.values, params, parsed, source));
    if (backend === 'local' && model.local?.refuse) {
      const why = model.local.refuse(params);
      if (why) diagnostics.push(source.error([...at, 'with'], 'offline', `step "${id}" cannot run locally: ${why}`, { key: true }));
    }
    const key = backend === 'local' ? undefined : API_KEYS[backend];
    if (key && !env[key] && !options.offline) keyless.set(backend, [...(keyless.get(backend) ?? []), id]);

    const price =
      backend === 'local'
        ? { usd: 0, basis: model.provider === 'local' ? 'local, free' : `local preview of ${model.id}, free` }
        : parsed?.success
          ? model.price(parsed.data)
          : { usd: 0, basis: 'unknown until the parameters are valid' };
    const cached: CacheStatus = step.cache ? 'not-cached' : 'disabled';
    steps.push({
      id,
      step: id,
      spec: step,
      uses: model.id,
      backend,
      needs: dag.deps.get(id)!,
      cache: cached,
      estimatedCostUsd: price.usd,
      priceBasis: price.basis,
      missingKey: key && !env[key] && !options.offline ? key : undefined,
    });
  }

  for (const [backend, ids] of keyless) {
    const key = API_KEYS[backend as keyof typeof API_KEYS];
    diagnostics.push(
      source.warning(['steps', ids[0]!, 'uses'], 'api-key', `${key} is not set; ${ids.length === 1 ? 'step' : 'steps'} ${ids.map((i) => `"${i}"`).join(', ')} ${ids.length === 1 ? 'needs' : 'need'} it to run on ${backend}: export ${key}=… or run with --offline where a local implementation exists`),
    );
  }

  return {
    recipe,
    groups: steps.map((s) => ({ step: s.step, legs: [s.id], maxParallel: s.spec.maxParallel, failFast: s.spec.failFast })),
    dag,
    inputs: resolved.values,
    steps,
    order: dag.order,
    totalEstimatedCostUsd: roundUsd(steps.reduce((sum, s) => sum + s.estimatedCostUsd, 0)),
    diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.col - b.col),
    usage: resolved.usage,
  };
}

/**
 * Problems that only the input values reveal: validation saw `${{ inputs.x }}`, the plan sees its value.
 * Rules are run again with the values; what they said already at validation is not repeated.
 */
function inputValueDiagnostics(
  step: Step,
  values: Record<string, InputValue>,
  params: Record<string, unknown>,
  parsed: z.ZodSafeParseResult<unknown>,
  source: RecipeSource,
): Diagnostic[] {
  const at = ['steps', step.id, 'with'];
  const out: Diagnostic[] = [];
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const rel = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    out.push(source.error([...at, ...rel], 'input-value', `${String(valueAt(step.with, rel))} = ${JSON.stringify(valueAt(params, rel))} does not fit ${paramLabel(rel)}: ${issueText(issue)}`));
  }
  const key = (i: ParamIssue) => `${i.rule} ${i.path.join('.')}`;
  const seen = new Set(step.model.rules.flatMap((r) => r.check(ruleView(step.with))).map(key));
  for (const issue of step.model.rules.flatMap((r) => r.check(paramsForPlan(step, values, () => UNKNOWN)))) {
    if (seen.has(key(issue))) continue;
    out.push(source.at([...at, ...issue.path], issue.severity ?? 'error', issue.rule, `with the given inputs, ${issue.message}`, { key: issue.path.length === 0 }));
  }
  return out;
}

function valueAt(tree: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], tree);
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
