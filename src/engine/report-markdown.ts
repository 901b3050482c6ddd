import type { RunReport } from './report.js';

type ReportStep = RunReport['steps'][number];

/**
 * Text from a recipe or a provider as Markdown that renders as the same text: nothing in it can open a
 * link, an image, a table cell, HTML or a heading in a PR comment.
 */
export function mdText(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ⏎ ')
    .replace(/[\\`*_{}[\]()#+\-.!|~>]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

/** A fenced block that no backtick run inside the text can close. */
function fenced(text: string, lang = ''): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, text, fence];
}

/**
 * Per step: backend (an offline preview said so), task id, prompts and the provider's rewritten prompt,
 * and the parameters in a folded block. Steps that never resolved their parameters are left out.
 */
export function stepDetailsMarkdown(report: RunReport): string[] {
  const steps = report.steps.filter((s) => s.params || s.task_id || s.actual_prompt);
  if (!steps.length) return [];
  const lines = ['', '### Steps', ''];
  for (const s of steps) lines.push(...stepDetails(s), '');
  return lines;
}

function stepDetails(s: ReportStep): string[] {
  const head = [`**\`${s.id}\`** · \`${s.uses}\` · ${s.offline_preview ? '🧪 **offline preview** (local implementation)' : s.backend}`];
  if (s.task_id) head.push(`task \`${s.task_id.replace(/`/g, '')}\``);
  const lines = [head.join(' · ')];
  for (const [name, text] of Object.entries(s.prompts ?? {})) lines.push(`- ${name}: ${mdText(text)}`);
  if (s.actual_prompt) lines.push(`- prompt as the provider rewrote it: ${mdText(s.actual_prompt)}`);
  if (s.params) lines.push('', '<details><summary>parameters</summary>', '', ...fenced(JSON.stringify(s.params, null, 2), 'json'), '', '</details>');
  return lines;
}
