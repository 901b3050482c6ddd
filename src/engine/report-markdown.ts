import { usd } from '../models/price.js';
import { formatMs } from '../recipe/duration.js';
import type { RunReport } from './report.js';
import { STATUS_ICON } from './report-status.js';

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

/** report.md: the run as a PR comment. Recipe and provider text goes through {@link mdText}. */
export function reportMarkdown(report: RunReport): string {
  const count = (status: string) => report.steps.filter((s) => s.status === status).length;
  const ran = count('succeeded');
  const lines = [
    `## vidrecipe run: ${report.name} ${STATUS_ICON[report.status]} ${report.status}`,
    '',
    `\`${report.recipe}\` · run \`${report.run_id}\` · ${report.steps.length} ${report.steps.length === 1 ? 'step' : 'steps'}: ${ran} ran, ${report.cache_hits} cached, ${count('failed')} failed, ${count('running_at_provider') ? `${count('running_at_provider')} running at provider, ` : ''}${count('skipped') + count('cancelled')} not run · ` +
      `cost **${usd(report.cost_usd)}**${report.pending_cost_usd ? ` + ${usd(report.pending_cost_usd)} still running at the provider` : ''} · ${formatMs(report.duration_ms)}`,
    '',
  ];
  const failed = report.steps.filter((s) => s.status === 'failed');
  if (failed.length) {
    const first = failed.find((s) => s.id === report.first_failure) ?? failed[0]!;
    lines.push(`> [!CAUTION]`, `> step \`${first.id}\` failed: ${mdText(first.error ?? '')}`, '');
  }
  const left = report.steps.filter((s) => s.status === 'running_at_provider');
  if (left.length) {
    const tasks = left.map((s) => `\`${s.id}\` (${s.backend} task \`${s.task_id ?? '?'}\`, ${usd(s.estimated_cost_usd)})`).join(', ');
    lines.push(
      `> [!WARNING]`,
      `> ${left.length === 1 ? '1 task is' : `${left.length} tasks are`} still running at the provider and will be billed, estimated **${usd(report.pending_cost_usd ?? 0)}**: ${tasks}. ` +
        `The next run of this recipe re-attaches to ${left.length === 1 ? 'it' : 'them'} instead of submitting again.`,
      '',
    );
  }
  const offline = report.steps.filter((s) => s.offline_preview);
  if (offline.length) {
    lines.push('> [!NOTE]', `> 🧪 **Offline preview**: ${offline.map((s) => `\`${s.id}\``).join(', ')} ran on a local implementation (classical algorithms), not the provider's model; the result only approximates what the provider returns.`, '');
  }
  lines.push('| step | model | backend | status | attempts | time | cost |', '| --- | --- | --- | --- | ---: | ---: | ---: |');
  for (const s of report.steps) {
    const status = `${STATUS_ICON[s.status]} ${s.status === 'running_at_provider' ? `running at provider (task \`${s.task_id ?? '?'}\`)` : s.status}${s.cached_from ? ` (run ${s.cached_from})` : ''}`;
    lines.push(`| \`${s.id}\` | \`${s.uses}\` | ${s.offline_preview ? `${s.backend} (offline preview)` : s.backend} | ${status} | ${s.attempts} | ${s.duration_ms === undefined ? '–' : formatMs(s.duration_ms)} | ${usd(s.cost_usd)} |`);
  }
  const outputs = Object.entries(report.outputs);
  if (outputs.length) {
    lines.push('', '### Outputs', '');
    for (const [name, o] of outputs) {
      lines.push(`**${name}** (${o.kind}${o.step ? `, from \`${o.step}\`` : ''}): \`${o.file}\``, '');
      if (o.poster) lines.push(`![${name}](${o.poster})`, '');
      if (o.animation) lines.push(`Animated preview: [${o.animation}](${o.animation}) · frames over time: ${o.strip ? `[strip](${o.strip})` : '–'}`, '');
    }
  }
  lines.push(...stepDetailsMarkdown(report));
  lines.push('', 'The full report, with players, a timeline and before/after views: `report.html` in this run\'s folder.');
  const notes = report.steps.flatMap((s) => [...(s.error ? [`- \`${s.id}\`: ${mdText(s.error)}`] : []), ...s.warnings.map((w) => `- \`${s.id}\` (warning): ${mdText(w)}`)]);
  if (notes.length) lines.push('', '<details><summary>Errors and warnings</summary>', '', ...notes, '', '</details>');
  return `${lines.join('\n').trimEnd()}\n`;
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
function stepDetailsMarkdown(report: RunReport): string[] {
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
