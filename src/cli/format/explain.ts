import type { Explanation } from '../../engine/explain.js';
import type { Plan } from '../../graph/plan.js';

/** `--explain` as text: one line per step in plan order, the step id first. */
export function explainText(plan: Plan, explanations: ReadonlyMap<string, Explanation>): string {
  const ids = plan.steps.map((s) => s.id).filter((id) => explanations.has(id));
  const width = Math.max(0, ...ids.map((id) => id.length));
  return ['Why steps run (--explain):', ...ids.map((id) => `  ${id.padEnd(width)}  ${explanations.get(id)!.text}`), ''].join('\n');
}

/** `--explain` in a PR comment: the steps that run, each with its reasons. */
export function explainMarkdown(plan: Plan, explanations: ReadonlyMap<string, Explanation>): string[] {
  const running = plan.steps.map((s) => explanations.get(s.id)).filter((e): e is Explanation => !!e && !e.cached);
  if (!running.length) return [];
  return ['', '<details open><summary>Why steps run</summary>', '', ...running.map((e) => `- \`${e.step}\` ${e.text}`), '', '</details>'];
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

