import { join } from 'node:path';
import { planRecipe, type Plan, type PlannedStep } from '../../src/graph/plan.js';
import { roundUsd } from '../../src/models/price.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { ROOT } from './cli.js';

/** The demo recipe planned (remove → cut → widen → extend → compare), before any step has legs. */
export function demoPlan(): Plan {
  const { recipe, source } = loadRecipe(join(ROOT, 'recipes/remove-outpaint-extend.yaml'));
  if (!recipe || !source) throw new Error('the demo recipe did not load');
  return planRecipe(recipe, source, { env: {} });
}

export interface LegsOptions {
  /** Each leg's estimate. */
  cost?: (i: number) => number;
  basis?: (i: number) => string;
  cached?: (i: number) => boolean;
  /** A matrix step already expanded with the same values: leg i of this step reads leg i of that one. */
  pairWith?: string;
}

/**
 * Gives `step` one leg per entry of `values`, as the lead's graph names them (`remove[shot=a]`), and
 * rewires what needs it: a leg paired with leg i, a step without a matrix needing every leg (fan-in).
 * Plans are built by hand like this until the graph expands matrices itself.
 */
export function withLegs(plan: Plan, step: string, values: Record<string, string>[], options: LegsOptions = {}): Plan {
  const base = plan.steps.find((s) => s.id === step);
  if (!base) throw new Error(`no step ${step}`);
  const legs: PlannedStep[] = values.map((matrix, i) => ({
    ...base,
    id: `${step}[${Object.entries(matrix).map(([k, v]) => `${k}=${v}`).join(',')}]`,
    step,
    matrix,
    cache: options.cached?.(i) ? 'cached' : base.cache,
    estimatedCostUsd: options.cached?.(i) ? 0 : (options.cost?.(i) ?? base.estimatedCostUsd),
    priceBasis: options.basis?.(i) ?? base.priceBasis,
  }));
  if (options.pairWith) {
    const upstream = plan.groups.find((g) => g.step === options.pairWith)!.legs;
    const paired = new Set(upstream);
    const others = base.needs.filter((n) => !paired.has(n));
    for (const [i, leg] of legs.entries()) leg.needs = [...others, upstream[i]!];
  }
  const ids = legs.map((l) => l.id);
  const steps = plan.steps.flatMap((s) => (s.id === step ? legs : [{ ...s, needs: s.needs.flatMap((n) => (n === step ? ids : [n])) }]));
  return {
    ...plan,
    steps,
    groups: plan.groups.map((g) => (g.step === step ? { ...g, legs: ids } : g)),
    order: plan.order.flatMap((id) => (id === step ? ids : [id])),
    totalEstimatedCostUsd: roundUsd(steps.reduce((sum, s) => sum + s.estimatedCostUsd, 0)),
  };
}

/** `{shot: s000}` … : `n` values of one axis. */
export function shots(n: number): Record<string, string>[] {
  return Array.from({ length: n }, (_, i) => ({ shot: `s${String(i).padStart(3, '0')}` }));
}
