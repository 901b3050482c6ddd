import { posterSize } from '../media/preview.js';
import { usd } from '../models/price.js';
import { formatMs } from '../recipe/duration.js';
import type { MediaView } from './report-media.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './report-page.js';
import type { RunReport } from './report.js';
import { groupDuration, legLabel, legLink, legPicture, LISTED_LEGS, reportGroups, statusCounts, sumUsd, type ReportGroup, type ReportStep } from './report-legs.js';
import { STATUS_ICON } from './report-status.js';
import type { TimelinePhase } from './report-timeline.js';

/** Text as HTML text or a quoted attribute value: recipe and provider text is untrusted. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A path of the run folder as a relative URL (the names are ours: digests and output names). */
function href(path: string): string {
  return escapeHtml(path.split(/[\\/]/).map(encodeURIComponent).join('/'));
}

const PHASE_LABEL: Record<TimelinePhase, string> = {
  waiting: 'waiting for what it needs',
  queued: 'queued for a slot',
  uploading: 'uploading',
  submitting: 'submitting',
  running: 'running',
  downloading: 'downloading',
};

/**
 * report.html: one page, no network. The summary, where the time went, the outputs as players with
 * posters, and per step its request (prompts, parameters, task id, the provider's rewritten prompt),
 * its outputs, and a before/after slider for a step that edits a video. Media files sit beside it.
 */
export function reportHtml(report: RunReport): string {
  const e = escapeHtml;
  const title = `vidrecipe run: ${report.name} ${report.status}`;
  const body: string[] = [];
  const groups = reportGroups(report);
  body.push(
    `<header><h1>${e(report.name)} <span class="badge s-${e(report.status)}">${STATUS_ICON[report.status]} ${e(report.status)}</span>${report.offline_preview ? '<span class="badge offline">offline preview</span>' : ''}</h1>`,
    `<div class="muted"><code>${e(report.recipe)}</code> · run <code>${e(report.run_id)}</code> · started ${e(report.started_at)}</div></header>`,
  );
  if (report.offline_preview) {
    const ids = groups.filter((g) => g.legs.some((s) => s.offline_preview)).map(groupName);
    body.push(`<p class="card"><span class="badge offline">offline preview</span> ${ids.join(', ')} ran on a local implementation (classical algorithms), not the provider's model: the result only approximates what the provider returns.</p>`);
  }
  const count = (status: string) => report.steps.filter((s) => s.status === status).length;
  body.push(
    '<div class="facts">',
    fact('time', formatMs(report.duration_ms)),
    fact('charged', usd(report.cost_usd)),
    ...(report.pending_cost_usd ? [fact('pending at provider', usd(report.pending_cost_usd))] : []),
    fact('estimated', usd(report.estimated_cost_usd)),
    fact('steps', String(groups.length)),
    ...(groups.some((g) => g.many) ? [fact('legs', String(report.steps.length))] : []),
    fact('ran', String(count('succeeded'))),
    fact('cache hits', String(report.cache_hits)),
    fact('failed', String(count('failed'))),
    ...(count('running_at_provider') ? [fact('running at provider', String(count('running_at_provider')))] : []),
    fact('not run', String(count('skipped') + count('cancelled'))),
    '</div>',
  );
  const failed = report.steps.find((s) => s.id === report.first_failure) ?? report.steps.find((s) => s.status === 'failed');
  if (failed) {
    const group = groups.find((g) => g.legs.includes(failed))!;
    const others = group.many ? group.legs.filter((l) => l.status === 'failed').length - 1 : 0;
    const more = others ? ` (and ${others} more ${others === 1 ? 'leg' : 'legs'} of <a href="#${groupAnchor(groups, group)}"><code>${e(group.step)}</code></a>)` : '';
    body.push(`<p class="card s-failed">❌ step <code>${e(failed.id)}</code> failed: ${e(failed.error ?? '')}${more}</p>`);
  }
  const left = report.steps.filter((s) => s.status === 'running_at_provider');
  if (left.length) {
    const tasks = left.map((s) => `<code>${e(s.id)}</code> (${e(s.backend)} task <code>${e(s.task_id ?? '?')}</code>, ${e(usd(s.estimated_cost_usd))})`).join(', ');
    body.push(
      `<p class="card s-running_at_provider">${STATUS_ICON.running_at_provider} ${left.length === 1 ? '1 task is' : `${left.length} tasks are`} still running at the provider and will be billed, estimated <b>${e(usd(report.pending_cost_usd ?? 0))}</b>: ${tasks}. ` +
        `The next run of this recipe re-attaches to ${left.length === 1 ? 'it' : 'them'} instead of submitting again.</p>`,
    );
  }

  const outputs = Object.entries(report.outputs);
  if (outputs.length) {
    body.push('<h2>Outputs</h2><div class="media">');
    for (const [name, o] of outputs) {
      if (o.legs) {
        const group = groups.find((g) => g.step === o.step);
        const sheet = group ? ` (<a href="#${groupAnchor(groups, group)}">contact sheet</a>)` : '';
        body.push(`<figure><div class="muted">${o.legs.length} ${o.legs.length === 1 ? 'file' : 'files'}, one per leg${sheet}</div><figcaption><b>${e(name)}</b> (${e(o.kind)}${o.step ? `, from <code>${e(o.step)}</code>` : ''}) · <code>${e(`${o.file}/`)}</code></figcaption></figure>`);
        continue;
      }
      body.push(`<figure>${player(o, name)}<figcaption><b>${e(name)}</b> (${e(o.kind)}${o.step ? `, from <code>${e(o.step)}</code>` : ''}) · <code>${e(o.file)}</code></figcaption></figure>`);
    }
    body.push('</div>');
    for (const [name, o] of outputs) {
      if (o.animation || o.strip) {
        body.push(`<div class="media" style="margin-top:12px">`);
        if (o.animation) body.push(`<figure><img class="anim" src="${href(o.animation)}" alt="${e(`${name}, animated preview`)}"><figcaption>${e(name)}: animated preview (for a README or a PR)</figcaption></figure>`);
        if (o.strip) body.push(`<figure><img class="strip" src="${href(o.strip)}" alt="${e(`${name}, frames over time`)}"><figcaption>${e(name)}: frames over time</figcaption></figure>`);
        body.push('</div>');
      }
    }
  }

  body.push('<h2>Timeline</h2>', timeline(report, groups));
  body.push('<h2>Steps</h2>', stepTable(groups));
  for (const group of groups) body.push(group.many ? groupSection(groups, group) : stepCard(group.legs[0]!));

  const notes = groups.flatMap((g) => {
    const all = g.legs.flatMap((s) => s.warnings.map((w) => `<li><code>${e(s.id)}</code> (warning): ${e(w)}</li>`));
    return g.many && all.length > LISTED_LEGS ? [...all.slice(0, LISTED_LEGS), `<li>… and ${all.length - LISTED_LEGS} more warnings of <code>${e(g.step)}</code>'s legs (report.json has them all)</li>`] : all;
  });
  if (notes.length) body.push('<h2>Warnings</h2>', `<ul class="notes">${notes.join('')}</ul>`);
  body.push(`<p class="muted">vidrecipe ${e(report.tools.vidrecipe)} · Node ${e(report.tools.node)}${report.tools.ffmpeg ? ` · ffmpeg ${e(report.tools.ffmpeg)}` : ''}</p>`);

  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing from the network, whatever a recipe's text says: media and pictures come from beside the page.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; media-src 'self' file:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">`,
    `<title>${e(title)}</title>`,
    `<style>${PAGE_STYLE}</style></head><body>`,
    ...body,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function fact(label: string, value: string): string {
  return `<div><span class="muted">${escapeHtml(label)}</span><b>${escapeHtml(value)}</b></div>`;
}

function player(view: MediaView & { kind?: string }, name: string): string {
  const e = escapeHtml;
  // Shown at the poster's size (≥ 640 px on the long side, see posterSize), not the clip's 320 px.
  const shown = view.width && view.height ? posterSize(view.width, view.height) : undefined;
  const size = shown ? ` width="${shown.width}" height="${shown.height}"` : '';
  if (view.video) return `<video src="${href(view.video)}"${view.poster ? ` poster="${href(view.poster)}"` : ''}${size} controls muted loop playsinline preload="auto" aria-label="${e(name)}"></video>`;
  if (view.image) return `<img class="poster" src="${href(view.image)}"${size} alt="${e(name)}">`;
  if (view.poster) return `<img class="poster" src="${href(view.poster)}" alt="${e(name)}">`;
  return `<div class="muted">(no preview of ${e(name)})</div>`;
}

function timeline(report: RunReport, groups: readonly ReportGroup[]): string {
  const total = Math.max(1, report.duration_ms);
  const pct = (ms: number) => `${Math.max(0, Math.min(100, (ms / total) * 100)).toFixed(3)}%`;
  const spans = (s: ReportStep, style = '') =>
    s.timeline
      .map((t) => `<div class="tl-span p-${t.phase}" style="left:${pct(t.from_ms)};width:${pct(t.to_ms - t.from_ms)}${style}" title="${escapeHtml(`${s.id}: ${PHASE_LABEL[t.phase]} ${formatMs(t.to_ms - t.from_ms)}`)}"></div>`)
      .join('');
  const rows = groups.map((g) => {
    if (g.many) return groupTimeline(g, spans);
    const s = g.legs[0]!;
    return `<div class="tl-row"><code>${escapeHtml(s.id)}</code><div class="tl-bar">${spans(s)}</div><span class="muted">${s.duration_ms === undefined ? '–' : escapeHtml(formatMs(s.duration_ms))}</span></div>`;
  });
  const legend = (Object.keys(PHASE_LABEL) as TimelinePhase[]).filter((p) => p !== 'waiting').map((p) => `<span><i class="p-${p}"></i>${PHASE_LABEL[p]}</span>`);
  return `<div class="timeline">${rows.join('')}</div><p class="legend muted">${legend.join('')} · from the run's start (0) to its end (${escapeHtml(formatMs(report.duration_ms))})</p>`;
}

/** Legs drawn one thin line each in a matrix step's bar, at most this many; past it the bar is scaled. */
const TIMELINE_LEGS = 200;

/**
 * A matrix step's row: one bar whose legs are stacked thin lines, so its spread over the run (how many at
 * once, the stragglers) reads at a glance without 300 rows. Past {@link TIMELINE_LEGS} legs, evenly chosen
 * ones are drawn: the page stays light whatever the batch.
 */
function groupTimeline(group: ReportGroup, spans: (s: ReportStep, style: string) => string): string {
  const step = Math.max(1, group.legs.length / TIMELINE_LEGS);
  const drawn: ReportStep[] = [];
  for (let i = 0; i < group.legs.length; i += step) drawn.push(group.legs[Math.floor(i)]!);
  const height = Math.min(120, Math.max(14, drawn.length * 2));
  const line = height / drawn.length;
  const bars = drawn.map((leg, i) => spans(leg, `;top:${(i * line).toFixed(2)}px;height:${Math.max(1, line).toFixed(2)}px`)).join('');
  const time = groupDuration(group.legs);
  return `<div class="tl-row" style="height:${height + 10}px"><code>${escapeHtml(group.step)} ×${group.legs.length}</code><div class="tl-bar" style="height:${height}px">${bars}</div><span class="muted">${time === undefined ? '–' : escapeHtml(formatMs(time))}</span></div>`;
}

function stepTable(groups: readonly ReportGroup[]): string {
  const e = escapeHtml;
  const rows = groups.map((g) => {
    if (g.many) {
      const first = g.legs[0]!;
      const time = groupDuration(g.legs);
      return (
        `<tr><td><a href="#${groupAnchor(groups, g)}"><code>${e(g.step)}</code> ×${g.legs.length}</a></td><td><code>${e([...new Set(g.legs.map((l) => l.uses))].join(', '))}</code></td><td>${e(first.backend)}${first.offline_preview ? ' <span class="badge offline">offline preview</span>' : ''}</td>` +
        `<td>${e(statusCounts(g.legs))}</td><td class="n">${g.legs.reduce((n, l) => n + l.attempts, 0)}</td>` +
        `<td class="n">${time === undefined ? '–' : e(formatMs(time))}</td><td class="n">${e(usd(sumUsd(g.legs, 'estimated_cost_usd')))}</td><td class="n">${e(usd(sumUsd(g.legs, 'cost_usd')))}</td></tr>`
      );
    }
    const s = g.legs[0]!;
    return (
      `<tr><td><a href="#step-${e(s.id)}"><code>${e(s.id)}</code></a></td><td><code>${e(s.uses)}</code></td><td>${e(s.backend)}${s.offline_preview ? ' <span class="badge offline">offline preview</span>' : ''}</td>` +
      `<td class="s-${e(s.status)}">${STATUS_ICON[s.status]} ${e(s.status)}${s.cached_from ? ` <span class="muted">(run ${e(s.cached_from)})</span>` : ''}</td><td class="n">${s.attempts}</td>` +
      `<td class="n">${s.duration_ms === undefined ? '–' : e(formatMs(s.duration_ms))}</td><td class="n">${e(usd(s.estimated_cost_usd))}</td><td class="n">${e(usd(s.cost_usd))}</td></tr>`
    );
  });
  return `<table><thead><tr><th>step</th><th>model</th><th>backend</th><th>status</th><th class="n">attempts</th><th class="n">time</th><th class="n">estimated</th><th class="n">charged</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Anchors by position: a step id is safe in an id attribute, a leg id with a label's spaces is not. */
function groupAnchor(groups: readonly ReportGroup[], group: ReportGroup): string {
  return `group-${groups.indexOf(group)}`;
}

function legAnchor(groups: readonly ReportGroup[], group: ReportGroup, leg: ReportStep): string {
  return `${groupAnchor(groups, group)}-leg-${group.legs.indexOf(leg)}`;
}

/** `<code>remove</code> ×300`, or a step's own id. */
function groupName(group: ReportGroup): string {
  return group.many ? `<code>${escapeHtml(group.step)}</code> ×${group.legs.length}` : `<code>${escapeHtml(group.legs[0]!.id)}</code>`;
}

/**
 * A matrix step: its legs counted, a contact sheet of their posters (each opening its leg's file), a
 * table of every leg, and each leg's card — failed ones open, the rest folded: 300 open cards of
 * parameters would bury the page.
 */
function groupSection(groups: readonly ReportGroup[], group: ReportGroup): string {
  const e = escapeHtml;
  const first = group.legs[0]!;
  const failed = group.legs.filter((l) => l.status === 'failed');
  const parts = [
    `<section class="card" id="${groupAnchor(groups, group)}">`,
    `<h3>${groupName(group)} <span class="muted">${e(statusCounts(group.legs))}</span>${first.offline_preview ? '<span class="badge offline">offline preview</span>' : ''}</h3>`,
    `<div class="muted"><code>${e(first.uses)}</code> on ${e(first.backend)} · charged ${e(usd(sumUsd(group.legs, 'cost_usd')))}${failed.length ? ` · ${failed.length} failed: a re-run redoes only them, the others come from the cache` : ''}</div>`,
    contactSheet(groups, group),
    legTable(groups, group),
  ];
  const cards = (legs: ReportStep[]) => legs.map((leg) => stepCard(leg, legAnchor(groups, group, leg))).join('\n');
  if (failed.length) parts.push(cards(failed));
  const rest = group.legs.filter((l) => l.status !== 'failed');
  if (rest.length) parts.push(`<details><summary>each leg's request and outputs (${rest.length})</summary>`, cards(rest), '</details>');
  parts.push('</section>');
  return parts.join('\n');
}

/** The legs' posters in a grid, lazily loaded: the page opens at once even with 300 of them. */
function contactSheet(groups: readonly ReportGroup[], group: ReportGroup): string {
  const e = escapeHtml;
  const cells = group.legs.map((leg) => {
    const picture = legPicture(leg);
    const link = picture ? legLink(picture) : undefined;
    const image = picture?.poster ?? picture?.image;
    const thumb = image ? `<img src="${href(image)}" alt="${e(leg.id)}" loading="lazy">` : `<div class="none s-${e(leg.status)}">${STATUS_ICON[leg.status]} ${e(leg.status)}</div>`;
    const caption = `<figcaption><span class="s-${e(leg.status)}">${STATUS_ICON[leg.status]}</span> <a href="#${legAnchor(groups, group, leg)}">${e(legLabel(leg))}</a></figcaption>`;
    return `<figure>${link ? `<a href="${href(link)}">${thumb}</a>` : thumb}${caption}</figure>`;
  });
  return `<div class="sheet">${cells.join('')}</div>`;
}

/** Every leg of a matrix step: its values, status, time, cost and output. */
function legTable(groups: readonly ReportGroup[], group: ReportGroup): string {
  const e = escapeHtml;
  const rows = group.legs.map((leg) => {
    const output = Object.entries(leg.outputs).find(([, o]) => legLink(o));
    return (
      `<tr><td><a href="#${legAnchor(groups, group, leg)}">${e(legLabel(leg))}</a></td><td class="s-${e(leg.status)}">${STATUS_ICON[leg.status]} ${e(leg.status)}${leg.cached_from ? ` <span class="muted">(run ${e(leg.cached_from)})</span>` : ''}</td>` +
      `<td class="n">${leg.duration_ms === undefined ? '–' : e(formatMs(leg.duration_ms))}</td><td class="n">${e(usd(leg.cost_usd))}</td><td>${output ? `<a href="${href(legLink(output[1])!)}">${e(output[0])}</a>` : '–'}</td></tr>`
    );
  });
  return `<details><summary>every leg (${group.legs.length})</summary><table><thead><tr><th>leg</th><th>status</th><th class="n">time</th><th class="n">charged</th><th>output</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

function stepCard(s: ReportStep, anchor = `step-${s.id}`): string {
  const e = escapeHtml;
  const parts = [
    `<section class="card" id="${e(anchor)}">`,
    `<h3><code>${e(s.id)}</code> <span class="badge s-${e(s.status)}">${STATUS_ICON[s.status]} ${e(s.status)}</span>${s.offline_preview ? '<span class="badge offline">offline preview</span>' : ''}</h3>`,
    `<div class="muted"><code>${e(s.uses)}</code> on ${e(s.backend)}${s.task_id ? ` · task <code>${e(s.task_id)}</code>` : ''}${s.cached_from ? ` · cached from run <code>${e(s.cached_from)}</code>` : ''}</div>`,
  ];
  if (s.error) parts.push(`<p class="s-failed">${e(s.error)}</p>`);
  for (const [name, text] of Object.entries(s.prompts ?? {})) parts.push(`<p><span class="muted">${e(name)}</span><br>${e(text)}</p>`);
  if (s.actual_prompt) parts.push(`<p><span class="muted">prompt as the provider rewrote it (<code>actual_prompt</code>)</span><br>${e(s.actual_prompt)}</p>`);
  if (s.params) parts.push(`<details><summary>parameters</summary><pre>${e(JSON.stringify(s.params, null, 2))}</pre></details>`);
  const after = Object.entries(s.outputs).find(([, o]) => o.kind === 'video' && o.video);
  if (s.before?.video && after) {
    const [name, out] = after;
    const ratio = out.width && out.height ? `aspect-ratio:${out.width}/${out.height}` : 'aspect-ratio:16/9';
    parts.push(
      `<h3 style="margin-top:12px">Before / after</h3>`,
      `<div class="ba-view"><div class="ba" style="${ratio}">`,
      `<video class="before" src="${href(s.before.video)}"${s.before.poster ? ` poster="${href(s.before.poster)}"` : ''} muted playsinline preload="auto" aria-label="${e(`${s.id} before (${s.before.param})`)}"></video>`,
      `<video class="after" src="${href(out.video!)}"${out.poster ? ` poster="${href(out.poster)}"` : ''} muted loop playsinline preload="auto" aria-label="${e(`${s.id} after (${name})`)}"></video>`,
      `<div class="divider"></div><span class="label b">before: ${e(s.before.param)}</span><span class="label a">after: ${e(name)}</span></div>`,
      `<div class="ba-controls"><button type="button" class="ba-play">play / pause</button><input class="ba-range" type="range" min="0" max="100" value="50" aria-label="${e(`${s.id}: before / after`)}"></div></div>`,
    );
    if (s.before.strip || out.strip) {
      parts.push('<div class="media" style="margin-top:12px">');
      if (s.before.strip) parts.push(`<figure><img class="strip" src="${href(s.before.strip)}" alt="${e(`${s.id} before, frames over time`)}"><figcaption>before: frames over time</figcaption></figure>`);
      if (out.strip) parts.push(`<figure><img class="strip" src="${href(out.strip)}" alt="${e(`${s.id} after, frames over time`)}"><figcaption>after: frames over time</figcaption></figure>`);
      parts.push('</div>');
    }
  } else {
    const shown = Object.entries(s.outputs).filter(([, o]) => o.video || o.image || o.poster);
    if (shown.length) parts.push(`<div class="media" style="margin-top:12px">${shown.map(([name, o]) => `<figure>${player(o, `${s.id}: ${name}`)}<figcaption>${e(name)} (${e(o.kind)})</figcaption></figure>`).join('')}</div>`);
  }
  for (const w of s.warnings) parts.push(`<p class="s-skipped">warning: ${e(w)}</p>`);
  parts.push('</section>');
  return parts.join('\n');
}
