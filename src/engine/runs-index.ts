import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal } from './journal.js';
import { processAlive } from './lock.js';
import type { RunReport } from './report.js';
import { StateDir } from './state-dir.js';

/** One past (or running) run, as `vidrecipe runs` lists it. */
export interface RunSummary {
  run_id: string;
  recipe: string;
  name?: string;
  /** A finished run's own status; `running` while its process lives; `incomplete` when it died before its report. */
  status: RunReport['status'] | 'running' | 'incomplete';
  started_at?: string;
  duration_ms?: number;
  cost_usd?: number;
  steps?: number;
  cache_hits?: number;
  offline_preview?: boolean;
  /** The run folder (report.md, report.html, journal.jsonl). */
  dir: string;
}

/** The folders of runs under `runs/`, as {@link newRunId} names them. */
export const RUN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{4}$/;

/** The runs under a state dir, newest first (run ids sort by start time). Folders that are not runs are ignored. */
export function listRuns(stateDir: string): RunSummary[] {
  const runs = new StateDir(stateDir).runs;
  let ids: string[];
  try {
    ids = readdirSync(runs).filter((id) => RUN_ID.test(id));
  } catch {
    return [];
  }
  return ids.sort().reverse().map((id) => summarize(id, join(runs, id)));
}

function summarize(id: string, dir: string): RunSummary {
  try {
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Partial<RunReport>;
    return {
      run_id: id,
      recipe: String(report.recipe ?? ''),
      name: report.name,
      status: report.status ?? 'incomplete',
      started_at: report.started_at,
      duration_ms: report.duration_ms,
      cost_usd: report.cost_usd,
      steps: report.steps?.length,
      cache_hits: report.cache_hits,
      offline_preview: report.offline_preview,
      dir,
    };
  } catch {
    // No report: the run is still going, or its process died (kill -9, power loss). Its journal says which.
  }
  const journalFile = join(dir, 'journal.jsonl');
  const lines = existsSync(journalFile) ? readJournal(journalFile) : [];
  const start = lines.find((l) => l.event === 'run-start');
  const end = lines.find((l) => l.event === 'run-end');
  const alive = start?.event === 'run-start' && !end && processAlive(start.pid);
  return {
    run_id: id,
    recipe: start?.event === 'run-start' ? start.recipe : '',
    status: end?.event === 'run-end' ? (end.status as RunSummary['status']) : alive ? 'running' : 'incomplete',
    started_at: start?.t,
    cost_usd: lines.reduce((sum, l) => sum + (l.event === 'step-succeeded' ? l.cost_usd : 0), 0),
    steps: start?.event === 'run-start' ? start.steps.length : undefined,
    dir,
  };
}

/** `last`, a whole run id, or a prefix naming exactly one run. */
export function findRun(runs: readonly RunSummary[], wanted: string): { run: RunSummary } | { error: string } {
  if (!runs.length) return { error: 'there are no runs in this state dir yet' };
  if (wanted === 'last') return { run: runs[0]! };
  const exact = runs.find((r) => r.run_id === wanted);
  if (exact) return { run: exact };
  const matches = runs.filter((r) => r.run_id.startsWith(wanted));
  if (matches.length === 1) return { run: matches[0]! };
  if (matches.length > 1) return { error: `"${wanted}" names ${matches.length} runs (${matches.slice(0, 3).map((r) => r.run_id).join(', ')}${matches.length > 3 ? ' …' : ''}); give more of the id` };
  return { error: `no run "${wanted}"; the newest are ${runs.slice(0, 3).map((r) => r.run_id).join(', ')} (see vidrecipe runs), or say "last"` };
}
