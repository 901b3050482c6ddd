import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { findRun, listRuns, type RunSummary } from '../engine/runs-index.js';
import { usd } from '../models/price.js';
import { formatMs } from '../recipe/duration.js';
import { EXIT, UsageError } from './exit.js';
import { textTable } from './format/table.js';
import { openFile } from './open.js';

export interface RunsOptions {
  stateDir: string;
  format: 'text' | 'json';
}

/** `vidrecipe runs`: past runs, newest first. */
export function runsCommand(options: RunsOptions): number {
  const runs = listRuns(resolve(options.stateDir));
  if (options.format === 'json') {
    process.stdout.write(`${JSON.stringify(runs.map(({ dir, ...run }) => ({ ...run, report: relative(process.cwd(), dir) || dir })), null, 2)}\n`);
    return EXIT.ok;
  }
  if (!runs.length) {
    process.stdout.write(`no runs in ${options.stateDir} yet: vidrecipe run <recipe> writes one\n`);
    return EXIT.ok;
  }
  const rows = runs.map((r) => [r.run_id, r.recipe, statusText(r), r.cost_usd === undefined ? '–' : usd(r.cost_usd), r.duration_ms === undefined ? '–' : formatMs(r.duration_ms), r.started_at ?? '–']);
  process.stdout.write(`${textTable(['RUN', 'RECIPE', 'STATUS', 'COST', 'TIME', 'STARTED'], rows)}\n`);
  return EXIT.ok;
}

function statusText(run: RunSummary): string {
  return `${run.status}${run.offline_preview ? ' (offline preview)' : ''}`;
}

export interface RunsShowOptions {
  stateDir: string;
  open: boolean;
}

/** `vidrecipe runs show ID|last [--open]`: a run's report.md on stdout; --open shows report.html. */
export async function runsShowCommand(id: string, options: RunsShowOptions): Promise<number> {
  const found = findRun(listRuns(resolve(options.stateDir)), id);
  if ('error' in found) throw new UsageError(`runs show ${id}: ${found.error}`);
  const { run } = found;
  const md = join(run.dir, 'report.md');
  const html = join(run.dir, 'report.html');
  if (!existsSync(md)) {
    const why = run.status === 'running' ? 'it is still running' : 'it stopped before writing one (its process died)';
    process.stderr.write(`vidrecipe: run ${run.run_id} has no report: ${why}; its journal is ${relative(process.cwd(), join(run.dir, 'journal.jsonl'))}\n`);
    return EXIT.stepFailed;
  }
  if (options.open) {
    if (!existsSync(html)) {
      process.stderr.write(`vidrecipe: run ${run.run_id} has no report.html (written by an older vidrecipe); its report.md is ${relative(process.cwd(), md)}\n`);
      return EXIT.stepFailed;
    }
    const problem = await openFile(html);
    process.stdout.write(`${problem ? 'open this in a browser' : 'opened'}: ${relative(process.cwd(), html) || html}\n`);
    if (problem) process.stderr.write(`vidrecipe: could not open it (${problem}); set BROWSER to the program to open it with\n`);
    return EXIT.ok;
  }
  process.stdout.write(readFileSync(md, 'utf8'));
  return EXIT.ok;
}
