import type { Path } from './source.js';

/** "`step` cannot start before `on` has finished", and where the recipe says so. */
export interface Dependency {
  step: string;
  on: string;
  via: 'reference' | 'needs';
  at: Path;
}

/**
 * Each dependency cycle once, as the list of steps walked (`a` needs `b` needs … needs `a`), starting
 * from the step that comes first in the file. Self-references are reported where they are written.
 */
export function findCycles(order: readonly string[], deps: readonly Dependency[]): { cycle: string[]; closing: Dependency }[] {
  const next = new Map<string, Dependency[]>();
  for (const d of deps) {
    if (d.step === d.on) continue;
    const list = next.get(d.step) ?? [];
    list.push(d);
    next.set(d.step, list);
  }
  const cycles: { cycle: string[]; closing: Dependency }[] = [];
  for (const component of stronglyConnected(order, next)) {
    if (component.size < 2) continue;
    const start = order.find((id) => component.has(id))!;
    const walk = pathBack(start, component, next);
    if (walk) cycles.push(walk);
  }
  return cycles;
}

/** Tarjan's algorithm, iterative so a 10,000-step chain does not overflow the stack. */
function stronglyConnected(order: readonly string[], next: Map<string, Dependency[]>): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: Set<string>[] = [];
  let counter = 0;
  for (const root of order) {
    if (index.has(root)) continue;
    const frames: { id: string; i: number }[] = [{ id: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      const edges = next.get(frame.id) ?? [];
      if (frame.i < edges.length) {
        const to = edges[frame.i++]!.on;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          frames.push({ id: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(to)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component = new Set<string>();
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          component.add(id);
        } while (id !== frame.id);
        out.push(component);
      }
    }
  }
  return out;
}

/** A shortest walk from `start` back to itself inside one component (breadth first). */
function pathBack(start: string, component: Set<string>, next: Map<string, Dependency[]>): { cycle: string[]; closing: Dependency } | undefined {
  const via = new Map<string, Dependency>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    for (const edge of next.get(id) ?? []) {
      if (!component.has(edge.on)) continue;
      if (edge.on === start) {
        const cycle = [start];
        for (let at = id; at !== start; at = via.get(at)!.step) cycle.splice(1, 0, at);
        cycle.push(start);
        const first = cycle.length > 2 ? via.get(cycle[1]!)! : edge;
        return { cycle, closing: first };
      }
      if (!via.has(edge.on)) {
        via.set(edge.on, edge);
        queue.push(edge.on);
      }
    }
  }
  return undefined;
}
