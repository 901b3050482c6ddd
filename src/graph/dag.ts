import type { Recipe } from '../recipe/types.js';

/** A DAG: of the steps of a valid (acyclic) recipe, or of the legs of a plan. */
export interface Dag {
  /** A topological order; among steps that are ready together, file order wins. */
  order: string[];
  /** Step → the steps it waits for (references and `needs`), in `order`. */
  deps: Map<string, string[]>;
  /** Step → the steps that wait for it, in `order`. */
  dependents: Map<string, string[]>;
  /** Step → length of the longest dependency chain before it; steps of one level can run together. */
  level: Map<string, number>;
}

export function buildDag(recipe: Recipe): Dag {
  const ids = [...recipe.steps.keys()];
  const position = new Map(ids.map((id, i) => [id, i]));
  const deps = new Map<string, Set<string>>();
  const dependents = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
  for (const step of recipe.steps.values()) {
    const on = new Set(step.needs);
    for (const site of step.refs) if (site.ref.context === 'steps') on.add(site.ref.step);
    deps.set(step.id, on);
    for (const d of on) dependents.get(d)!.add(step.id);
  }

  // Kahn's algorithm; the ready set is kept ordered by file position so the order is stable.
  const waiting = new Map(ids.map((id) => [id, deps.get(id)!.size]));
  const ready = ids.filter((id) => waiting.get(id) === 0);
  const order: string[] = [];
  const level = new Map<string, number>();
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    level.set(id, Math.max(-1, ...[...deps.get(id)!].map((d) => level.get(d)!)) + 1);
    for (const next of dependents.get(id)!) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) insertSorted(ready, next, position);
    }
  }
  if (order.length !== ids.length) throw new Error('buildDag: the recipe has a cycle; loadRecipe reports it');

  const rank = new Map(order.map((id, i) => [id, i]));
  const sorted = (set: Set<string>) => [...set].sort((a, b) => rank.get(a)! - rank.get(b)!);
  return {
    order,
    deps: new Map(ids.map((id) => [id, sorted(deps.get(id)!)])),
    dependents: new Map(ids.map((id) => [id, sorted(dependents.get(id)!)])),
    level,
  };
}

function insertSorted(list: string[], id: string, position: Map<string, number>): void {
  const p = position.get(id)!;
  let i = list.length;
  while (i > 0 && position.get(list[i - 1]!)! > p) i--;
  list.splice(i, 0, id);
}

/**
 * The DAG of a plan's legs, which the expansion made in a topological order already (a leg only reads
 * legs of steps before it): `order` keeps that order, and `level` is the longest chain of legs before one.
 */
export function legDag(legs: readonly { id: string; needs: readonly string[] }[]): Dag {
  const deps = new Map(legs.map((l) => [l.id, [...l.needs]]));
  const dependents = new Map<string, string[]>(legs.map((l) => [l.id, []]));
  const level = new Map<string, number>();
  for (const leg of legs) {
    let deepest = -1;
    for (const on of leg.needs) {
      dependents.get(on)!.push(leg.id);
      deepest = Math.max(deepest, level.get(on)!);
    }
    level.set(leg.id, deepest + 1);
  }
  return { order: legs.map((l) => l.id), deps, dependents, level };
}
