import { describe, expect, it } from 'vitest';
import { buildDag } from '../../src/graph/dag.js';
import { loadRecipe } from '../../src/recipe/load.js';

function recipe(text: string) {
  const { recipe, diagnostics } = loadRecipe('t.yaml', { text });
  return { recipe, diagnostics };
}

const trim = (id: string, from?: string, needs?: string[]) =>
  `  ${id}: { uses: local/trim, ${needs ? `needs: [${needs.join(', ')}], ` : ''}with: { video: "${from ? `\${{ steps.${from}.outputs.video }}` : 'in.mp4'}", last: 1 } }\n`;

describe('buildDag', () => {
  it('orders by dependencies, file order breaking ties, with levels for parallel waves', () => {
    const { recipe: r } = recipe(`version: 1\nsteps:\n${trim('d', 'b')}${trim('b')}${trim('c', 'b')}${trim('a', undefined, ['c', 'd'])}`);
    const dag = buildDag(r!);
    expect(dag.order).toEqual(['b', 'd', 'c', 'a']);
    expect(Object.fromEntries(dag.level)).toEqual({ b: 0, d: 1, c: 1, a: 2 });
    expect(dag.deps.get('a')).toEqual(['d', 'c']);
    expect(dag.dependents.get('b')).toEqual(['d', 'c']);
  });

  it('handles a long chain without deep recursion', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => trim(`s${i}`, i ? `s${i - 1}` : undefined)).join('');
    const { recipe: r, diagnostics } = recipe(`version: 1\nsteps:\n${steps}`);
    expect(diagnostics).toEqual([]);
    const dag = buildDag(r!);
    expect(dag.order[4999]).toBe('s4999');
    expect(dag.level.get('s4999')).toBe(4999);
  });

  it('reports a long cycle once, naming every step in it', () => {
    const steps = Array.from({ length: 6 }, (_, i) => trim(`s${i}`, `s${(i + 1) % 6}`)).join('');
    const { recipe: r, diagnostics } = recipe(`version: 1\nsteps:\n${steps}`);
    expect(r).toBeUndefined();
    expect(diagnostics.map((d) => [d.rule, d.line, d.message.split(' (')[0]])).toEqual([
      ['cycle', 3, 'dependency cycle: s0 → s1 → s2 → s3 → s4 → s5 → s0'],
    ]);
  });
});
