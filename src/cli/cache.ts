import { resolve } from 'node:path';
import { collectGarbage, GcBusyError, type GcKind, type GcReport, type Tally } from '../engine/cache-gc.js';
import { stateUsage, type UsageKind } from '../engine/cache-usage.js';
import { verifyCache, type VerifyReport } from '../engine/cache-verify.js';
import { parseSize } from '../engine/config.js';
import { formatSize } from '../providers/media-download.js';
import { EXIT, UsageError } from './exit.js';
import { textTable } from './format/table.js';

interface StateOptions {
  stateDir: string;
  format: 'text' | 'json';
}

/** Without --older-than or --max-size, gc removes what was last used more than this long ago. */
export const DEFAULT_OLDER_THAN = '30d';

/** `vidrecipe cache du` (and bare `vidrecipe cache`): the state dir's size by kind. */
export function cacheDuCommand(options: StateOptions): number {
  const usage = stateUsage(resolve(options.stateDir));
  if (options.format === 'json') {
    printJson({ ...usage, state_dir: options.stateDir });
    return EXIT.ok;
  }
  if (!usage.exists) {
    process.stdout.write(`no state dir at ${options.stateDir} yet: vidrecipe run writes one\n`);
    return EXIT.ok;
  }
  const rows = usage.kinds
    .filter((k) => k.kind !== 'other' || k.files > 0)
    .map((k) => [LABELS[k.kind], k.path || '(elsewhere)', String(k.items), String(k.files), `${formatSize(k.bytes)}${k.linked_bytes ? ` (+ ${formatSize(k.linked_bytes)} linked)` : ''}`]);
  process.stdout.write(`${options.stateDir}: ${formatSize(usage.bytes)} in ${plural(usage.files, 'file')}\n\n${textTable(['KIND', 'PATH', 'ITEMS', 'FILES', 'SIZE'], rows)}\n`);
  if (usage.kinds.some((k) => k.linked_bytes)) process.stdout.write(`\nlinked: hard links to blobs and previews counted above (reports show their media through them), so they take no more room.\n`);
  return EXIT.ok;
}

export interface GcCommandOptions extends StateOptions {
  olderThan?: string;
  maxSize?: string;
  dryRun: boolean;
}

/** `vidrecipe cache gc`: removes by age and down to a size, never what a task or a run in progress needs. */
export function cacheGcCommand(options: GcCommandOptions): number {
  const olderThan = options.olderThan ?? (options.maxSize === undefined ? DEFAULT_OLDER_THAN : undefined);
  const olderThanMs = olderThan === undefined ? undefined : parseAge(olderThan);
  if (olderThanMs === undefined && olderThan !== undefined) throw new UsageError(`--older-than ${olderThan}: give an age with its unit, e.g. --older-than 30d (units s, m, h, d, w: 12h, 90m, 2w, 1d12h)`);
  const maxBytes = options.maxSize === undefined ? undefined : parseSize(options.maxSize);
  if (options.maxSize !== undefined && maxBytes === undefined) throw new UsageError(`--max-size ${options.maxSize}: give a size, e.g. --max-size 5GB (or 500MB, 2GiB, a number of bytes)`);
  let report: GcReport;
  try {
    report = collectGarbage(resolve(options.stateDir), { olderThanMs, maxBytes, dryRun: options.dryRun });
  } catch (error) {
    if (error instanceof GcBusyError) {
      process.stderr.write(`vidrecipe: ${error.message}\n`);
      return EXIT.stepFailed;
    }
    throw error;
  }
  for (const problem of report.errors) process.stderr.write(`vidrecipe: ${problem}\n`);
  if (options.format === 'json') {
    printJson({ ...report, state_dir: options.stateDir, older_than: olderThan, max_size: options.maxSize });
    return report.errors.length ? EXIT.stepFailed : EXIT.ok;
  }
  process.stdout.write(gcText(report, options.stateDir, olderThan, options.maxSize, options.olderThan === undefined));
  return report.errors.length ? EXIT.stepFailed : EXIT.ok;
}

function gcText(report: GcReport, stateDir: string, olderThan: string | undefined, maxSize: string | undefined, defaulted: boolean): string {
  const lines: string[] = [];
  const criteria = [olderThan && `last used more than ${olderThan} ago${defaulted ? ' (the default --older-than)' : ''}`, maxSize && `beyond --max-size ${maxSize}, least recently used first`].filter(Boolean).join('; then ');
  if (!report.removed.count) {
    lines.push(`Nothing to remove from ${stateDir} (${formatSize(report.before_bytes)}): nothing unneeded was ${criteria}.`);
  } else {
    const what = `${counts(report.removed.kinds)} (${formatSize(report.removed.bytes)})`;
    lines.push(
      report.dry_run
        ? `Would remove ${what}, ${criteria}: ${stateDir} would go from ${formatSize(report.before_bytes)} to ${formatSize(report.after_bytes)}. Nothing was deleted (--dry-run); --format json lists each one.`
        : `Removed ${what}, ${criteria}: ${stateDir} went from ${formatSize(report.before_bytes)} to ${formatSize(report.after_bytes)}.`,
    );
  }
  if (report.target_reached === false) lines.push(`${stateDir} is still ${formatSize(report.after_bytes)}, above --max-size ${maxSize}: what is left is needed (below), or is not the cache's (task records, locks, quarantine/).`);
  if (report.kept_needed.length) {
    lines.push('Kept because still needed:');
    for (const group of report.kept_needed) lines.push(`  ${counts(group.kinds)} (${formatSize(group.total.bytes)}): ${group.why}`);
  }
  return `${lines.join('\n')}\n`;
}

export type VerifyCommandOptions = StateOptions;

/** `vidrecipe cache verify`: every blob hashed again; damage set aside so the next run recomputes. Exit 1 when something was damaged. */
export async function cacheVerifyCommand(options: VerifyCommandOptions): Promise<number> {
  const report = await verifyCache(resolve(options.stateDir));
  if (options.format === 'json') printJson({ ...report, state_dir: options.stateDir });
  else process.stdout.write(verifyText(report, options.stateDir));
  return report.ok ? EXIT.ok : EXIT.stepFailed;
}

function verifyText(report: VerifyReport, stateDir: string): string {
  const lines: string[] = [];
  for (const blob of report.damaged_blobs) {
    lines.push(`damaged blob ${blob.path}: its bytes hash to ${blob.hashes_to}; ${blob.moved_to ? `moved to ${blob.moved_to}` : 'gone meanwhile'}`);
  }
  for (const step of report.broken_steps) {
    lines.push(`step "${step.step}" (run ${step.run}, record cache/steps/${step.key}.json): its output ${step.output} is ${step.problem}; ${step.removed ? 'record removed: the next run computes the step again' : 'the record could not be removed; the next run computes the step again all the same'}`);
  }
  for (const record of report.damaged_records) {
    lines.push(`damaged ${record.kind} ${record.path} (${record.problem}): ${record.moved_to ? `moved to ${record.moved_to}; ` : ''}${record.note}`);
  }
  const c = report.checked;
  const checked = `checked ${plural(c.blobs, 'blob')} (${formatSize(c.bytes)}), ${plural(c.step_records, 'step record')}, ${plural(c.url_records, 'upload URL record')} and ${plural(c.task_records, 'task record')} in ${stateDir}`;
  if (report.ok) lines.push(`${checked}: all sound.`);
  else {
    const found = [report.damaged_blobs.length && plural(report.damaged_blobs.length, 'damaged blob'), report.broken_steps.length && plural(new Set(report.broken_steps.map((s) => s.key)).size, 'step record') + ' without its outputs', report.damaged_records.length && plural(report.damaged_records.length, 'damaged record')].filter(Boolean);
    lines.push(`${checked}: found ${found.join(', ')}. Damaged files are in ${stateDir}/quarantine/ (never deleted by vidrecipe); the next run recomputes what they held.`);
  }
  return `${lines.join('\n')}\n`;
}

const AGE_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const AGE_PART = /(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d|w)/g;

/** `30d`, `12h`, `90m`, `2w`, `1d12h`, `45s`: milliseconds; undefined for anything else (a bare number has no unit). */
export function parseAge(text: string): number | undefined {
  const parts = [...text.matchAll(AGE_PART)];
  if (!parts.length || text.replace(AGE_PART, '').trim() !== '') return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * AGE_UNITS[unit!]!, 0);
}

const LABELS: Record<UsageKind, string> = {
  blobs: 'blobs',
  step_records: 'step records',
  task_records: 'task records',
  runs: 'runs',
  previews: 'previews',
  history: 'history',
  upload_urls: 'upload URLs',
  quarantine: 'quarantine',
  tmp: 'tmp',
  locks: 'locks',
  other: 'other',
};

const NOUNS: Record<GcKind | 'task_records', string> = {
  task_records: 'task record',
  step_records: 'step record',
  blobs: 'blob',
  runs: 'run',
  previews: 'preview',
  history: 'history file',
  upload_urls: 'upload URL record',
  tmp: 'work folder',
};

/** `3 step records, 5 blobs and 2 runs`, in a fixed order. */
function counts(kinds: Partial<Record<GcKind | 'task_records', Tally>>): string {
  const parts = (Object.keys(NOUNS) as (GcKind | 'task_records')[]).filter((k) => kinds[k]?.count).map((k) => plural(kinds[k]!.count, NOUNS[k]));
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? 'nothing');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
