import type { Plan } from '../graph/plan.js';
import { didYouMean } from '../recipe/suggest.js';
import { UsageError } from './exit.js';

/** `--force` names a step (all its legs) or one leg, as the plan shows them. */
export function checkForce(force: readonly string[], plan: Plan): void {
  const steps = plan.groups.map((g) => g.step);
  const legs = new Set(plan.steps.map((s) => s.id));
  for (const id of force) {
    if (steps.includes(id) || legs.has(id)) continue;
    const hint = didYouMean(id, steps) || (id.includes('[') ? '; `vidrecipe plan --format json` lists the legs' : '');
    throw new UsageError(`--force ${id}: the recipe has no step${id.includes('[') ? ' or leg' : ''} "${id}"${hint}`);
  }
}
