import { groupLegs } from './legs.js';
import type { RunReport } from './report.js';
import { STATUS_ICON } from './report-status.js';

export type ReportStep = RunReport['steps'][number];

/** A recipe step of the report with its legs; `many` when it is shown as a group (a table and a sheet). */
export interface ReportGroup {
  step: string;
  legs: ReportStep[];
  many: boolean;
}

/** The report's steps by recipe step, in plan order. */
export function reportGroups(report: RunReport): ReportGroup[] {
  return groupLegs(report.steps).map((g) => ({ step: g.step, legs: g.legs, many: g.matrix || g.legs.length > 1 }));
}

/** Failed legs a report names one by one before it only counts the rest (all are in report.json). */
export const LISTED_LEGS = 10;

/** `4 steps`, or once a step has legs, `3 steps (302 legs)`. */
export function stepCount(report: RunReport): string {
  const groups = reportGroups(report);
  const n = `${groups.length} ${groups.length === 1 ? 'step' : 'steps'}`;
  const legs = report.steps.length;
  return groups.some((g) => g.many) ? `${n} (${legs} ${legs === 1 ? 'leg' : 'legs'})` : n;
}

/** `✅ 286 · ♻️ 10 · ❌ 4`: a group's legs by status, in a fixed order, zero counts left out. */
export function statusCounts(legs: readonly ReportStep[]): string {
  const counts = new Map<ReportStep['status'], number>();
  for (const leg of legs) counts.set(leg.status, (counts.get(leg.status) ?? 0) + 1);
  const order: ReportStep['status'][] = ['succeeded', 'cached', 'failed', 'running_at_provider', 'skipped', 'cancelled'];
  return order.filter((s) => counts.get(s)).map((s) => `${STATUS_ICON[s]} ${counts.get(s)}`).join(' · ');
}

/** A group's time: from its first leg's start to its last leg's end (ms), when any leg ran. */
export function groupDuration(legs: readonly ReportStep[]): number | undefined {
  let from = Infinity;
  let to = -Infinity;
  for (const leg of legs) {
    for (const span of leg.timeline) {
      if (span.phase === 'waiting') continue;
      from = Math.min(from, span.from_ms);
      to = Math.max(to, span.to_ms);
    }
  }
  return to > from ? to - from : undefined;
}

/** The sum of a field over legs, rounded to a millionth of a dollar like every cost. */
export function sumUsd(legs: readonly ReportStep[], field: 'cost_usd' | 'estimated_cost_usd'): number {
  return Math.round(legs.reduce((sum, l) => sum + l[field], 0) * 1e6) / 1e6;
}

/** A leg as a group's tables name it: its matrix values, or its id when it has none. */
export function legLabel(leg: ReportStep): string {
  return leg.matrix ? Object.entries(leg.matrix).map(([axis, label]) => `${axis}=${label}`).join(', ') : leg.id;
}

/** The first output of a leg that has something to look at, for its poster in a contact sheet. */
export function legPicture(leg: ReportStep): (ReportStep['outputs'][string] & { name: string }) | undefined {
  for (const [name, output] of Object.entries(leg.outputs)) if (output.poster || output.image) return { name, ...output };
  return undefined;
}

/** Where a leg's output can be opened: its playable copy, the picture, or the file itself. */
export function legLink(output: ReportStep['outputs'][string]): string | undefined {
  return output.video ?? output.image ?? output.file ?? output.poster;
}
