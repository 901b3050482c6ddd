import { usd } from '../models/price.js';
import { formatMs } from '../recipe/duration.js';
import type { RunReport } from './report.js';
import { groupDuration, legLabel, legLink, legPicture, LISTED_LEGS, reportGroups, stepCount, statusCounts, sumUsd, type ReportGroup, type ReportStep } from './report-legs.js';
import { STATUS_ICON } from './report-status.js';

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

/**
 * Inline code that stays code: a leg id carries labels from file names and table rows, which may hold a
 * backtick (that would end the span) or a pipe (that would end a table cell).
 */
export function mdCode(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  if (flat.includes('`')) return mdText(flat);
  return `\`${flat.replace(/\|/g, '\\|')}\``;
}

/** report.md: the run as a PR comment. Recipe and provider text goes through {@link mdText}. */
export function reportMarkdown(report: RunReport): string {
  const count = (status: string) => report.steps.filter((s) => s.status === status).length;
  const ran = count('succeeded');
  const lines = [
    `## vidrecipe run: ${report.name} ${STATUS_ICON[report.status]} ${report.status}`,
    '',
    `\`${report.recipe}\` · run \`${report.run_id}\` · ${stepCount(report)}: ${ran} ran, ${report.cache_hits} cached, ${count('failed')} failed, ${count('running_at_provider') ? `${count('running_at_provider')} running at provider, ` : ''}${count('skipped') + count('cancelled')} not run · ` +
      `cost **${usd(report.cost_usd)}**${report.pending_cost_usd ? ` + ${usd(report.pending_cost_usd)} still running at the provider` : ''} · ${formatMs(report.duration_ms)}`,
    '',
  ];
  const groups = reportGroups(report);
  const failed = report.steps.filter((s) => s.status === 'failed');
  if (failed.length) {
    const first = failed.find((s) => s.id === report.first_failure) ?? failed[0]!;
    const group = groups.find((g) => g.legs.includes(first))!;
    const others = group.many ? group.legs.filter((l) => l.status === 'failed').length - 1 : 0;
    const more = others ? ` (and ${others} more ${others === 1 ? 'leg' : 'legs'} of ${mdCode(group.step)}: see below)` : '';
    lines.push(`> [!CAUTION]`, `> step ${mdCode(first.id)} failed: ${mdText(first.error ?? '')}${more}`, '');
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
  const offline = groups.filter((g) => g.legs.some((s) => s.offline_preview));
  if (offline.length) {
    lines.push('> [!NOTE]', `> 🧪 **Offline preview**: ${offline.map((g) => groupName(g)).join(', ')} ran on a local implementation (classical algorithms), not the provider's model; the result only approximates what the provider returns.`, '');
  }
  lines.push('| step | model | backend | status | attempts | time | cost |', '| --- | --- | --- | --- | ---: | ---: | ---: |');
  for (const group of groups) {
    if (group.many) {
      lines.push(groupRow(group));
      continue;
    }
    const s = group.legs[0]!;
    const status = `${STATUS_ICON[s.status]} ${s.status === 'running_at_provider' ? `running at provider (task \`${s.task_id ?? '?'}\`)` : s.status}${s.cached_from ? ` (run ${s.cached_from})` : ''}`;
    lines.push(`| \`${s.id}\` | \`${s.uses}\` | ${s.offline_preview ? `${s.backend} (offline preview)` : s.backend} | ${status} | ${s.attempts} | ${s.duration_ms === undefined ? '–' : formatMs(s.duration_ms)} | ${usd(s.cost_usd)} |`);
  }
  const outputs = Object.entries(report.outputs);
  if (outputs.length) {
    lines.push('', '### Outputs', '');
    for (const [name, o] of outputs) {
      if (o.legs) {
        lines.push(`**${name}** (${o.kind}, ${o.legs.length} ${o.legs.length === 1 ? 'file' : 'files'}, one per leg${o.step ? ` of ${mdCode(o.step)}` : ''}): ${mdCode(`${o.file}/`)}`, '');
        continue;
      }
      lines.push(`**${name}** (${o.kind}${o.step ? `, from \`${o.step}\`` : ''}): \`${o.file}\``, '');
      if (o.poster) lines.push(`![${name}](${o.poster})`, '');
      if (o.animation) lines.push(`Animated preview: [${o.animation}](${o.animation}) · frames over time: ${o.strip ? `[strip](${o.strip})` : '–'}`, '');
    }
  }
  for (const group of groups) if (group.many) lines.push(...groupMarkdown(group));
  lines.push(...stepDetailsMarkdown(groups));
  lines.push('', 'The full report, with players, a timeline and before/after views: `report.html` in this run\'s folder.');
  const notes = groups.flatMap((g) => capped(g, g.legs.flatMap((s) => [...(s.error ? [`- ${mdCode(s.id)}: ${mdText(s.error)}`] : []), ...s.warnings.map((w) => `- ${mdCode(s.id)} (warning): ${mdText(w)}`)])));
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
 * and the parameters in a folded block. Steps that never resolved their parameters are left out. A matrix
 * step shows its first leg's as an example: 300 parameter blocks are report.json's job, not a PR comment's.
 */
function stepDetailsMarkdown(groups: readonly ReportGroup[]): string[] {
  const shown = (s: ReportStep) => Boolean(s.params || s.task_id || s.actual_prompt);
  const blocks = groups.flatMap((g) => {
    const first = g.legs.find(shown);
    if (!first) return [];
    if (!g.many) return [[...stepDetails(first), '']];
    return [[`${groupName(g)}: each leg's request is in report.json; the first one's:`, '', ...stepDetails(first), '']];
  });
  if (!blocks.length) return [];
  return ['', '### Steps', '', ...blocks.flat()];
}

/** `` `remove` ×300 `` for a group of legs, the step's id otherwise. */
function groupName(group: ReportGroup): string {
  return group.many ? `${mdCode(group.step)} ×${group.legs.length}` : mdCode(group.legs[0]!.id);
}

/** Notes of a group past {@link LISTED_LEGS} legs' worth are counted, not listed. */
function capped(group: ReportGroup, notes: string[]): string[] {
  if (!group.many || notes.length <= LISTED_LEGS) return notes;
  return [...notes.slice(0, LISTED_LEGS), `- … and ${notes.length - LISTED_LEGS} more of ${mdCode(group.step)} (report.json has them all)`];
}

/** A matrix step's row in the steps table: its legs counted by status, its time, its cost. */
function groupRow(group: ReportGroup): string {
  const first = group.legs[0]!;
  const uses = [...new Set(group.legs.map((l) => l.uses))].map((u) => `\`${u}\``).join(', ');
  const backend = first.offline_preview ? `${first.backend} (offline preview)` : first.backend;
  const time = groupDuration(group.legs);
  const attempts = group.legs.reduce((n, l) => n + l.attempts, 0);
  return `| ${groupName(group)} | ${uses} | ${backend} | ${statusCounts(group.legs)} | ${attempts} | ${time === undefined ? '–' : formatMs(time)} | ${usd(sumUsd(group.legs, 'cost_usd'))} |`;
}

/** Posters a PR comment shows per matrix step; the rest are in report.html's contact sheet. */
const SHEET_IN_MARKDOWN = 12;
const SHEET_COLUMNS = 6;

/**
 * A matrix step's section: its failed legs first (what a reviewer acts on), a contact sheet of the first
 * posters, and every leg in a folded table with its status, time, cost and output.
 */
function groupMarkdown(group: ReportGroup): string[] {
  const lines = ['', `### ${groupName(group)}`, '', statusCounts(group.legs), ''];
  const failed = group.legs.filter((l) => l.status === 'failed');
  if (failed.length) {
    lines.push(`**${failed.length} failed** (a re-run redoes only these; the others come from the cache):`, '');
    for (const leg of failed.slice(0, LISTED_LEGS)) lines.push(`- ${mdCode(leg.id)}: ${mdText((leg.error ?? '').split('\n')[0]!)}`);
    if (failed.length > LISTED_LEGS) lines.push(`- … and ${failed.length - LISTED_LEGS} more (report.json lists them all)`);
    lines.push('');
  }
  const pictured = group.legs.map((leg) => ({ leg, picture: legPicture(leg) })).filter((p) => p.picture?.poster ?? p.picture?.image);
  if (pictured.length) {
    const shown = pictured.slice(0, SHEET_IN_MARKDOWN);
    const cells = shown.map(({ leg, picture }) => `![${mdText(legLabel(leg))}](${picture!.poster ?? picture!.image})<br>${STATUS_ICON[leg.status]} ${mdText(legLabel(leg))}`);
    const rows: string[] = [];
    for (let i = 0; i < cells.length; i += SHEET_COLUMNS) rows.push(`| ${cells.slice(i, i + SHEET_COLUMNS).join(' | ')} |`);
    const width = Math.min(SHEET_COLUMNS, cells.length);
    lines.push(`| ${Array(width).fill(' ').join(' | ')} |`, `| ${Array(width).fill('---').join(' | ')} |`, ...rows, '');
    if (pictured.length > shown.length) lines.push(`${pictured.length - shown.length} more posters in report.html's contact sheet.`, '');
  }
  lines.push(`<details><summary>all ${group.legs.length} legs</summary>`, '', '| leg | status | time | cost | output |', '| --- | --- | ---: | ---: | --- |');
  for (const leg of group.legs) {
    const output = Object.values(leg.outputs).map(legLink).find(Boolean);
    lines.push(`| ${mdCode(leg.id)} | ${STATUS_ICON[leg.status]} ${leg.status}${leg.cached_from ? ` (run ${leg.cached_from})` : ''} | ${leg.duration_ms === undefined ? '–' : formatMs(leg.duration_ms)} | ${usd(leg.cost_usd)} | ${output ? `[file](${output})` : '–'} |`);
  }
  lines.push('', '</details>');
  return lines;
}

function stepDetails(s: ReportStep): string[] {
  const head = [`**${mdCode(s.id)}** · \`${s.uses}\` · ${s.offline_preview ? '🧪 **offline preview** (local implementation)' : s.backend}`];
  if (s.task_id) head.push(`task \`${s.task_id.replace(/`/g, '')}\``);
  const lines = [head.join(' · ')];
  for (const [name, text] of Object.entries(s.prompts ?? {})) lines.push(`- ${name}: ${mdText(text)}`);
  if (s.actual_prompt) lines.push(`- prompt as the provider rewrote it: ${mdText(s.actual_prompt)}`);
  if (s.params) lines.push('', '<details><summary>parameters</summary>', '', ...fenced(JSON.stringify(s.params, null, 2), 'json'), '', '</details>');
  return lines;
}
