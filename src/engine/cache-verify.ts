import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sha256File } from './hash.js';
import { Quarantine } from './quarantine.js';
import { parseRecord, stepRecordProblem, taskRecordProblem, urlRecordProblem, type RecordKind } from './record-guards.js';
import { StateDir } from './state-dir.js';
import { SHA256 } from './state-names.js';
import type { StepRecord } from './step-cache.js';

export interface DamagedBlob {
  digest: string;
  /** Relative to the state dir. */
  path: string;
  hashes_to: string;
  /** Where it was set aside, relative to the state dir. */
  moved_to?: string;
}

export interface DamagedRecord {
  kind: RecordKind;
  path: string;
  problem: string;
  moved_to?: string;
  /** What follows. */
  note: string;
}

/** A step record whose output is gone or damaged: removed, so the next run computes the step again. */
export interface BrokenStep {
  key: string;
  step: string;
  run: string;
  output: string;
  digest: string;
  problem: 'missing' | 'damaged';
  removed: boolean;
}

export interface VerifyReport {
  state_dir: string;
  checked: { blobs: number; bytes: number; step_records: number; url_records: number; task_records: number };
  damaged_blobs: DamagedBlob[];
  damaged_records: DamagedRecord[];
  broken_steps: BrokenStep[];
  /** Nothing was found damaged or missing. */
  ok: boolean;
}

/**
 * `vidrecipe cache verify`: hashes every blob again and checks every record. A blob whose bytes no longer
 * match its name is moved to the quarantine (never deleted: it may be all that is left of a paid result),
 * and each step record that names a damaged or missing blob is removed, as a run would on finding it, so
 * the next run computes the step again. Damaged step and URL records are set aside as a run would set them
 * aside; a damaged task record is only reported: it may stand for a paid task, and the run that needs its
 * step rebuilds it from what it still says.
 */
export async function verifyCache(stateDir: string): Promise<VerifyReport> {
  const state = new StateDir(stateDir);
  const report: VerifyReport = {
    state_dir: state.root,
    checked: { blobs: 0, bytes: 0, step_records: 0, url_records: 0, task_records: 0 },
    damaged_blobs: [],
    damaged_records: [],
    broken_steps: [],
    ok: true,
  };
  if (!existsSync(state.root)) return report;
  const quarantine = new Quarantine(state.root);
  const rel = (path: string) => relative(state.root, path).split(sep).join('/');

  const damaged = new Set<string>();
  for (const digest of names(state.objects).filter((n) => SHA256.test(n))) {
    const path = join(state.objects, digest);
    let actual: string;
    let size: number;
    try {
      size = statSync(path).size;
      actual = await sha256File(path);
    } catch {
      continue; // removed while we looked (a gc): not damage
    }
    report.checked.blobs++;
    report.checked.bytes += size;
    if (actual === digest) continue;
    damaged.add(digest);
    const moved = quarantine.setAside('blob', path, `its bytes hash to ${actual}`, 'the steps whose output it was are computed again by the next run');
    report.damaged_blobs.push({ digest, path: rel(path), hashes_to: actual, moved_to: moved && rel(moved.movedTo) });
  }

  for (const file of names(state.steps).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
    const key = file.slice(0, -'.json'.length);
    const path = join(state.steps, file);
    const text = read(path);
    if (text === undefined) continue;
    report.checked.step_records++;
    const found = parseRecord<StepRecord>(text, (value) => stepRecordProblem(value, key));
    if ('problem' in found) {
      const note = 'the step is computed again';
      const moved = quarantine.setAside('step record', path, found.problem, note);
      report.damaged_records.push({ kind: 'step record', path: rel(path), problem: found.problem, moved_to: moved && rel(moved.movedTo), note });
      continue;
    }
    const broken = Object.entries(found.record.outputs).flatMap(([output, o]): BrokenStep[] => {
      const problem = damaged.has(o.digest) ? 'damaged' : existsSync(join(state.objects, o.digest)) ? undefined : 'missing';
      return problem ? [{ key, step: found.record.step, run: found.record.run, output, digest: o.digest, problem, removed: false }] : [];
    });
    if (!broken.length) continue;
    // As a run's cache lookup does: a record whose outputs are not all there is no result.
    let removed = true;
    try {
      rmSync(path, { force: true });
    } catch {
      removed = false;
    }
    report.broken_steps.push(...broken.map((b) => ({ ...b, removed })));
  }

  for (const file of names(state.urls).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
    const path = join(state.urls, file);
    const text = read(path);
    if (text === undefined) continue;
    report.checked.url_records++;
    const found = parseRecord(text, urlRecordProblem);
    if ('problem' in found) {
      const note = 'the content is uploaded again where a provider needs it';
      const moved = quarantine.setAside('url record', path, found.problem, note);
      report.damaged_records.push({ kind: 'url record', path: rel(path), problem: found.problem, moved_to: moved && rel(moved.movedTo), note });
    }
  }

  for (const file of names(state.tasks).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
    const key = file.slice(0, -'.json'.length);
    const path = join(state.tasks, file);
    const text = read(path);
    if (text === undefined) continue;
    report.checked.task_records++;
    const found = parseRecord(text, (value) => taskRecordProblem(value, key));
    if ('problem' in found) {
      report.damaged_records.push({ kind: 'task record', path: rel(path), problem: found.problem, note: 'left in place: it may stand for a task the provider charges for; the next run of its step rebuilds it from what it still says and re-attaches, or stops and says how to check' });
    }
  }
  report.ok = !report.damaged_blobs.length && !report.damaged_records.length && !report.broken_steps.length;
  return report;
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
