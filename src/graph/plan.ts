import { API_KEYS } from '../providers/api-keys.js';
import type { z } from 'zod';
import { roundUsd } from '../models/price.js';
import type { Backend, ParamIssue } from '../models/types.js';
import { formatReference, ruleView } from '../recipe/expression.js';
import { withOutputsAs } from './bind.js';
import { legDag } from './dag.js';
import { expandRecipe, type ExpandedLeg, type LegGroup, type OutputSource } from './expand.js';
import { paramLabel } from '../recipe/schema.js';
import type { RecipeSource } from '../recipe/source.js';
import type { Diagnostic, Recipe, Step } from '../recipe/types.js';
import type { Dag } from './dag.js';
import { resolveInputs, type InputValue } from './inputs.js';

/** Whether a step's result can be reused. */
export type CacheStatus = 'cached' | 'not-cached' | 'disabled';

/** One leg of a recipe step: what the scheduler, the limiters and the cache see as a step. */
export interface PlannedStep extends ExpandedLeg {
  uses: string;
  backend: Backend;
  cache: CacheStatus;
  /** 0 when cached: nothing will be paid. */
  estimatedCostUsd: number;
  /** What the estimate assumes, from the model's price table. */
  priceBasis: string;
  /** The API key variable this step's backend needs and the environment lacks. */
  missingKey?: string;
}

export type { LegGroup };

export interface Plan {
  recipe: Recipe;
  /** One per recipe step (a step without a matrix has one leg), in plan order. */
  groups: LegGroup[];
  dag: Dag;
  inputs: Record<string, InputValue>;
  /** The legs, in a topological order. */
  steps: PlannedStep[];
  order: string[];
  /** Where each recipe output comes from, leg by leg. */
  outputs: Record<string, OutputSource>;
  totalEstimatedCostUsd: number;
  /** Refusals (offline without a local implementation, missing inputs, bad values) and warnings (missing keys). */
  diagnostics: Diagnostic[];
  /** Problems with command-line arguments. */
  usage: string[];
  /** Texts of other files diagnostics point into (table files), by the name they show. */
  sources: Map<string, string>;
  /** Media files the user named in a table given with --input (see Expansion.userFiles). */
  userFiles: ReadonlySet<string>;
}

export interface PlanOptions {
  inputs?: readonly string[];
  offline?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

/**
 * What a run would do, before anything runs: the legs of every step, where each runs, whether its result
 * is already cached, and what it is estimated to cost. Everything that would make the run fail for
 * reasons known now is reported here, all at once.
 */
export function planRecipe(recipe: Recipe, source: RecipeSource, options: PlanOptions = {}): Plan {
  const env = options.env ?? process.env;
  const resolved = resolveInputs(recipe, options.inputs ?? [], source, options.cwd);
  const diagnostics = [...resolved.diagnostics];
  const expansion = resolved.diagnostics.length
    ? { legs: [], groups: [], outputs: {}, diagnostics: [], sources: new Map<string, string>(), userFiles: new Set<string>() }
    : expandRecipe(recipe, source, resolved.values, { cwd: options.cwd });
  diagnostics.push(...expansion.diagnostics);
  const keyless = new Map<Backend, PlannedStep[]>();
  const steps: PlannedStep[] = [];
  const said = new Set<string>();
  const sayOnce = (leg: ExpandedLeg, d: Diagnostic) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.rule}`;
    if (said.has(key)) return;
    said.add(key);
    // One leg stands for all: a batch of 300 repeats the same mistake 300 times.
    diagnostics.push(leg.matrix ? { ...d, message: `${d.message} (leg ${leg.id}${legCount(expansion.groups, leg.step)})` } : d);
  };

  for (const leg of expansion.legs) {
    const step = leg.spec;
    const model = step.model;
    const src = leg.source;
    const backend: Backend = step.backend ?? (options.offline && model.local ? 'local' : model.provider);
    const at = ['steps', step.id];
    if (options.offline && backend !== 'local') {
      const why = step.backend ? `pins backend: ${step.backend}; remove that line to run it offline` : `uses ${model.id}, which has no local implementation, so it cannot run with --offline`;
      sayOnce(leg, src.error([...at, step.backend ? 'backend' : 'uses'], 'offline', `step "${leg.step}" ${why}`));
    }
    const params = withOutputsAs(leg.with, 'placeholder');
    const parsed = model.params.safeParse(params);
    for (const d of inputValueDiagnostics(step, leg.with, params, parsed, src)) sayOnce(leg, d);
    if (backend === 'local' && model.local?.refuse) {
      const why = model.local.refuse(params);
      if (why) sayOnce(leg, src.error([...at, 'with'], 'offline', `step "${leg.step}" cannot run locally: ${why}`, { key: true }));
    }
    const key = backend === 'local' ? undefined : API_KEYS[backend];
    const missingKey = key && !env[key] && !options.offline ? key : undefined;
    const price =
      backend === 'local'
        ? { usd: 0, basis: model.provider === 'local' ? 'local, free' : `local preview of ${model.id}, free` }
        : parsed.success
          ? model.price(parsed.data)
          : { usd: 0, basis: 'unknown until the parameters are valid' };
    const planned: PlannedStep = {
      id: leg.id,
      step: leg.step,
      ...(leg.matrix ? { matrix: leg.matrix } : {}),
      spec: step,
      with: leg.with,
      source: src,
      uses: model.id,
      backend,
      needs: leg.needs,
      cache: step.cache ? 'not-cached' : 'disabled',
      estimatedCostUsd: price.usd,
      priceBasis: price.basis,
      missingKey,
    };
    if (missingKey) keyless.set(backend, [...(keyless.get(backend) ?? []), planned]);
    steps.push(planned);
  }

  for (const [backend, legs] of keyless) {
    const key = API_KEYS[backend as keyof typeof API_KEYS];
    const ids = [...new Set(legs.map((l) => l.step))];
    const first = legs[0]!;
    diagnostics.push(
      first.source.warning(['steps', first.spec.id, 'uses'], 'api-key', `${key} is not set; ${ids.length === 1 ? 'step' : 'steps'} ${ids.map((i) => `"${i}"`).join(', ')} ${ids.length === 1 ? 'needs' : 'need'} it to run on ${backend}: export ${key}=… or run with --offline where a local implementation exists`),
    );
  }

  const rank = new Map(steps.map((s, i) => [s.id, i]));
  for (const s of steps) s.needs.sort((a, b) => rank.get(a)! - rank.get(b)!);
  const dag = legDag(steps);
  return {
    recipe,
    groups: expansion.groups,
    dag,
    inputs: resolved.values,
    steps,
    order: dag.order,
    outputs: expansion.outputs,
    totalEstimatedCostUsd: roundUsd(steps.reduce((sum, s) => sum + s.estimatedCostUsd, 0)),
    diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.col - b.col),
    usage: resolved.usage,
    sources: expansion.sources,
    userFiles: expansion.userFiles,
  };
}

function legCount(groups: readonly LegGroup[], step: string): string {
  const n = groups.find((g) => g.step === step)?.legs.length ?? 1;
  return n > 1 ? `, one of ${n}` : '';
}

/**
 * Problems that only the input values reveal: validation saw `${{ inputs.x }}`, the plan sees its value.
 * Rules are run again with the values; what they said already at validation is not repeated.
 */
function inputValueDiagnostics(
  step: Step,
  bound: Record<string, unknown>,
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
  for (const issue of step.model.rules.flatMap((r) => r.check(withOutputsAs(bound, 'unknown')))) {
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
