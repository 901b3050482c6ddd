import { describe, expect, it } from 'vitest';
import { formatPlan, planJson, planMermaid } from '../../src/cli/format/plan.js';
import { demoPlan, shots, withLegs } from '../support/matrix-plan.js';

/** remove over 300 shots (40 cached, per-second prices), cut paired with it leg by leg, widen reading all of cut. */
function batchPlan() {
  let plan = withLegs(demoPlan(), 'remove', shots(300), {
    cost: (i) => (i % 2 ? 0.2 : 0.1),
    basis: (i) => `$0.05 per run + ${i % 2 ? '$0.15' : '$0.05'} for ${i % 2 ? 6 : 2} s`,
    cached: (i) => i < 40,
  });
  plan = withLegs(plan, 'cut', shots(300), { pairWith: 'remove' });
  return plan;
}

describe('plan formats with matrix steps', () => {
  it('text: a matrix step is one row, `remove ×300`, with its total, its range per leg and how many legs are cached', () => {
    const text = formatPlan(batchPlan(), 'text');
    expect(text).toMatch(/^Plan for \S*recipes\/remove-outpaint-extend\.yaml \(breakfast-cleanup\): 5 steps \(603 legs\), 40 cached, estimated \$40\.00$/m);
    const rows = text.split('\n').filter((l) => /^ {2}\d /.test(l));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^ {2}1 {2}remove ×300 +wavespeed-ai\/void-video-inpainting\/mask +wavespeed +— +40 of 300 cached +\$39\.00 \(\$0\.10–\$0\.20 per leg\)$/);
    expect(rows[1]).toMatch(/^ {2}2 {2}cut ×300 +local\/trim +local +remove +not cached +\$0\.00$/);
    // widen reads every leg of cut: it needs the step, not 300 leg ids
    expect(rows[2]).toMatch(/^ {2}3 {2}widen +\S+ +dashscope +cut +not cached +\$0\.50$/);
    expect(text).toContain('  remove ×300: 260 legs priced $0.10–$0.20 each; 40 cached: $0.05 per run + $0.05 for 2 s; $0.05 per run + $0.15 for 6 s');
    expect(text).toContain('  cut ×300: local, free (each of 300 legs)');
    expect(text).not.toContain('shot=');
  });

  it('markdown: one table row per recipe step with its leg count and cost range', () => {
    const md = formatPlan(batchPlan(), 'markdown');
    const rows = md.split('\n').filter((l) => /^\| \d/.test(l));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toBe('| 1 | remove ×300 | wavespeed-ai/void-video-inpainting/mask | wavespeed | — | 40 of 300 cached | $39.00 ($0.10–$0.20 per leg) |');
    expect(md).toMatch(/recipes\/remove-outpaint-extend\.yaml` · 5 steps \(603 legs\), 40 cached, estimated \$40\.00$/m);
  });

  it('json: every leg with its step and matrix values, and a group per matrix step', () => {
    const json = planJson(batchPlan());
    expect(json.steps).toHaveLength(603);
    const leg = json.steps.find((s) => s.id === 'cut[shot=s007]')!;
    expect(leg).toMatchObject({ step: 'cut', matrix: { shot: 's007' }, uses: 'local/trim', needs: ['remove[shot=s007]'], cached: false, estimated_cost_usd: 0 });
    expect(json.steps.find((s) => s.id === 'remove[shot=s003]')).toMatchObject({ step: 'remove', matrix: { shot: 's003' }, cached: true, estimated_cost_usd: 0 });
    // a step without a matrix is as before
    expect(Object.keys(json.steps.find((s) => s.id === 'widen')!)).toEqual(['id', 'uses', 'backend', 'needs', 'cached', 'cache', 'estimated_cost_usd', 'price_basis']);
    expect(json.groups).toEqual({
      remove: { legs: 300, cached: 40, estimated_cost_usd: 39, leg_cost_usd: { min: 0.1, max: 0.2 } },
      cut: { legs: 300, cached: 0, estimated_cost_usd: 0, leg_cost_usd: { min: 0, max: 0 } },
    });
    expect(planJson(demoPlan())).not.toHaveProperty('groups');
  });

  it('mermaid: one node per recipe step (`×300`), one edge per reference between steps', () => {
    const lines = planMermaid(batchPlan()).split('\n');
    expect(lines.filter((l) => /^ {2}s\d+\[/.test(l))).toHaveLength(5);
    expect(lines).toContain('  s0["<b>remove ×300</b><br/>void-video-inpainting/mask<br/>wavespeed · $39.00"]');
    expect(lines).toContain('  s1["<b>cut ×300</b><br/>local/trim<br/>local · free"]');
    expect(lines.filter((l) => l.includes('-->'))).toEqual(planMermaid(demoPlan()).split('\n').filter((l) => l.includes('-->')));
    expect(lines.join('\n')).not.toContain('shot=');
  });

  it('a fully cached matrix step is drawn cached', () => {
    const plan = withLegs(demoPlan(), 'remove', shots(4), { cached: () => true });
    expect(planMermaid(plan)).toContain('  s0["<b>remove ×4</b><br/>void-video-inpainting/mask<br/>wavespeed · cached"]');
    expect(planMermaid(plan)).toContain('  class s0 cached');
    expect(formatPlan(plan, 'text')).toContain('  remove ×4: cached, nothing to pay');
  });
});
