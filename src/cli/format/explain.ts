import type { Explanation } from '../../engine/explain.js';
import type { Plan } from '../../graph/plan.js';

/** Lines a matrix step gets at most: a batch whose legs each have their own reason lists every one in JSON. */
const MAX_LINES_PER_STEP = 20;

/**
 * The lines of `--explain` among the steps `keep` selects, in plan order: a step's id and why it runs. The
 * legs of a matrix step that run for the same reason are one line (`remove ×298  never run`); a leg with a
 * reason of its own keeps its own line, up to MAX_LINES_PER_STEP for the step.
 */
function explainLines(plan: Plan, explanations: ReadonlyMap<string, Explanation>, keep: (e: Explanation) => boolean): { label: string; text: string }[] {
  const steps = new Map<string, { step: string; matrix: boolean; byText: Map<string, string[]> }>();
  for (const leg of plan.steps) {
    const e = explanations.get(leg.id);
    if (!e || !keep(e)) continue;
    const key = leg.matrix ? `matrix\u0000${leg.step}` : `leg\u0000${leg.id}`;
    let entry = steps.get(key);
    if (!entry) steps.set(key, (entry = { step: leg.matrix ? leg.step : leg.id, matrix: !!leg.matrix, byText: new Map() }));
    const legs = entry.byText.get(e.text);
    if (legs) legs.push(leg.id);
    else entry.byText.set(e.text, [leg.id]);
  }
  const lines: { label: string; text: string }[] = [];
  for (const { step, matrix, byText } of steps.values()) {
    const groups = [...byText];
    for (const [text, legs] of groups.slice(0, MAX_LINES_PER_STEP)) lines.push({ label: matrix && legs.length > 1 ? `${step} ×${legs.length}` : legs[0]!, text });
    const rest = groups.slice(MAX_LINES_PER_STEP).reduce((n, [, legs]) => n + legs.length, 0);
    if (rest) lines.push({ label: step, text: `and ${rest.toLocaleString('en')} more legs, each for a reason of its own (plan --explain --format json lists every leg)` });
  }
  return lines;
}

/** `--explain` as text: one line per step in plan order (per reason, for a matrix step), the step id first. */
export function explainText(plan: Plan, explanations: ReadonlyMap<string, Explanation>): string {
  const lines = explainLines(plan, explanations, () => true);
  const width = Math.max(0, ...lines.map((l) => l.label.length));
  return ['Why steps run (--explain):', ...lines.map((l) => `  ${l.label.padEnd(width)}  ${l.text}`), ''].join('\n');
}

/** `--explain` in a PR comment: the steps that run, each with its reasons. */
export function explainMarkdown(plan: Plan, explanations: ReadonlyMap<string, Explanation>): string[] {
  const running = explainLines(plan, explanations, (e) => !e.cached);
  if (!running.length) return [];
  return ['', '<details open><summary>Why steps run</summary>', '', ...running.map((l) => `- \`${l.label}\` ${l.text}`), '', '</details>'];
}

/** The `explain` field of a step in `plan --format json`: the reasons as data, and the sentence. */
export function explainJson(explanation: Explanation) {
  return {
    cached: explanation.cached,
    cached_from: explanation.cachedFrom,
    since_run: explanation.since,
    reasons: explanation.reasons,
    text: explanation.text,
  };
}

