import { describe, expect, it } from 'vitest';
import { explainMarkdown, explainText } from '../../src/cli/format/explain.js';
import type { Explanation } from '../../src/engine/explain.js';
import { demoPlan, shots, withLegs } from '../support/matrix-plan.js';

/** remove over 300 shots: the first 40 cached, 200 never run, and 60 each with a prompt of its own. */
function explained() {
  const plan = withLegs(demoPlan(), 'remove', shots(300), { cached: (i) => i < 40 });
  const explanations = new Map<string, Explanation>();
  for (const [i, leg] of plan.steps.entries()) {
    const own = leg.matrix && i >= 240;
    const text = leg.cache === 'cached' ? 'cached from run r1' : own ? `runs because prompt changed "a" → "b${i}" (since run r1)` : 'runs because it has never finished in this state dir';
    explanations.set(leg.id, { step: leg.id, cached: leg.cache === 'cached', reasons: [], text });
  }
  return { plan, explanations };
}

describe('--explain of a matrix step', () => {
  it('text: one line per reason of a matrix step, a leg with a reason of its own on its own line, at most 20 a step', () => {
    const { plan, explanations } = explained();
    const lines = explainText(plan, explanations).trim().split('\n').slice(1).map((l) => l.trim().replace(/\s+/g, ' '));
    const remove = lines.filter((l) => l.startsWith('remove'));
    expect(remove.slice(0, 2)).toEqual(['remove ×40 cached from run r1', 'remove ×200 runs because it has never finished in this state dir']);
    expect(remove[2]).toMatch(/^remove\[shot=s\d+\] runs because prompt changed "a" → "b240"/);
    expect(remove).toHaveLength(21);
    expect(remove[20]).toBe('remove and 42 more legs, each for a reason of its own (plan --explain --format json lists every leg)');
    // The other steps keep a line each, in plan order after the matrix step.
    expect(lines.slice(21).map((l) => l.split(' ')[0])).toEqual(['cut', 'widen', 'extend', 'compare']);
  });

  it('markdown: only the legs that run, grouped the same way', () => {
    const { plan, explanations } = explained();
    const items = explainMarkdown(plan, explanations).filter((l) => l.startsWith('- '));
    expect(items[0]).toBe('- `remove ×200` runs because it has never finished in this state dir');
    expect(items.filter((l) => l.startsWith('- `remove'))).toHaveLength(21);
    expect(items.some((l) => l.includes('cached'))).toBe(false);
  });
});
