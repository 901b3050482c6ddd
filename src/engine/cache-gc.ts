import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { itemOf, stateFiles, type StateFile } from './cache-usage.js';
import { gcLockFile, takeGcLock, type GcHolder } from './gc-lock.js';
import { readJournal, type JournalLine } from './journal.js';
import { liveRuns, ownerAlive, readOwner, type LiveRun } from './live-runs.js';
import { parseRecord, stepRecordProblem, urlRecordProblem } from './record-guards.js';
import { RUN_ID } from './runs-index.js';
import { StateDir } from './state-dir.js';
import { isName, SHA256 } from './state-names.js';
import type { StepRecord } from './step-cache.js';
import { MIN_VALIDITY_MS } from './url-store.js';
import type { KnownUrl } from '../providers/types.js';

/** What gc removes: records and folders whose age or the size limit says so, and the blobs nothing keeps any more. */
export const GC_KINDS = ['step_records', 'blobs', 'runs', 'previews', 'history', 'upload_urls', 'tmp'] as const;
export type GcKind = (typeof GC_KINDS)[number];

/** Why something old enough to go was kept. */
export type KeepReason = 'task' | 'run-in-progress';

export interface GcOptions {
  /** Remove what was last used longer ago than this. */
  olderThanMs?: number;
  /** Then remove the least recently used until the state dir is at most this big. */
  maxBytes?: number;
  /** Say what would go; delete nothing (and take no lock). */
  dryRun?: boolean;
}

export interface Tally {
  count: number;
  bytes: number;
}

export interface GcItem {
  kind: GcKind;
  /** Relative to the state dir. */
  path: string;
  /** What removing it freed (a file also linked from something kept frees nothing). */
  bytes: number;
  last_used: string;
}

export interface KeptGroup {
  reason: KeepReason;
  /** What needs it, and what to do. */
  why: string;
  total: Tally;
  kinds: Partial<Record<GcKind | 'task_records', Tally>>;
}

export interface GcReport {
  state_dir: string;
  dry_run: boolean;
  older_than_ms?: number;
  max_size_bytes?: number;
  before_bytes: number;
  after_bytes: number;
  removed: Tally & { kinds: Partial<Record<GcKind, Tally>> };
  removed_items: GcItem[];
  /** What the age or the size limit would have removed, kept because something still needs it. */
  kept_needed: KeptGroup[];
  runs_in_progress: LiveRun[];
  /** With a size limit: whether the state dir is now within it. */
  target_reached?: boolean;
  /** Files that could not be removed. */
  errors: string[];
}

/** Another `cache gc` holds the state dir's gc lock. */
export class GcBusyError extends Error {
  override name = 'GcBusyError';
  constructor(readonly holder: GcHolder) {
    super(`another vidrecipe cache gc (pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}, since ${holder.at}) is cleaning this state dir; wait for it to finish, then run gc again`);
  }
}

/** A removable record or folder. */
interface Unit {
  kind: GcKind;
  rel: string;
  path: string;
  folder: boolean;
  lastUse: number;
  files: StateFile[];
  /** Digests of the blobs it keeps. */
  refs: string[];
  /** Removed whatever its age: a dead run's work folder, a URL record whose URLs all expired. */
  garbage?: boolean;
  pin?: KeepReason;
}

interface Blob {
  digest: string;
  file: StateFile;
  pin?: KeepReason;
}

interface Model {
  units: Unit[];
  blobs: Map<string, Blob>;
  /** Blob digest → the units that keep it. */
  referrers: Map<string, Unit[]>;
  /** Inode → how many files of the state dir are links to it. */
  links: Map<string, number>;
  total: number;
  tasks: TaskInfo[];
  taskBytes: number;
  live: LiveRun[];
}

interface TaskInfo {
  key: string;
  run?: string;
  step?: string;
  backend?: string;
  taskId?: string;
}

interface Selection {
  units: Map<Unit, number>;
  blobs: Map<Blob, number>;
  freed: number;
  reached?: boolean;
}

/**
 * `vidrecipe cache gc`. Removes by age (last use) and then, oldest first, down to a size; never what is
 * still needed: the records of a remote task not finished yet (and everything its runs used, which a
 * re-attach needs to compute the same step key), and — while any run is in progress — nothing of the
 * cache at all, since a run may have just found any record and be about to read its blobs. A blob goes
 * when no kept step record or URL record refers to it any more. Holds the gc lock that runs wait for.
 */
export function collectGarbage(stateDir: string, options: GcOptions): GcReport {
  const state = new StateDir(stateDir);
  const start = Date.now();
  const report: GcReport = {
    state_dir: state.root,
    dry_run: Boolean(options.dryRun),
    older_than_ms: options.olderThanMs,
    max_size_bytes: options.maxBytes,
    before_bytes: 0,
    after_bytes: 0,
    removed: { count: 0, bytes: 0, kinds: {} },
    removed_items: [],
    kept_needed: [],
    runs_in_progress: [],
    errors: [],
  };
  if (!existsSync(state.root)) return report;
  let lock: ReturnType<typeof takeGcLock> | undefined;
  if (!options.dryRun) {
    lock = takeGcLock(state);
    if ('busy' in lock) throw new GcBusyError(lock.busy);
  }
  try {
    // Runs are looked for after the lock is taken: one that starts later waits for the lock to go.
    const model = inventory(state, start);
    const criteria = { cutoff: options.olderThanMs === undefined ? undefined : start - options.olderThanMs, maxBytes: options.maxBytes, start };
    const wanted = select(model, criteria, false);
    const chosen = select(model, criteria, true);
    report.before_bytes = model.total;
    report.runs_in_progress = model.live;
    report.kept_needed = keptGroups(model, wanted, chosen);
    if (options.maxBytes !== undefined) report.target_reached = chosen.reached;
    const removeOne = (path: string, folder: boolean) => {
      if (options.dryRun) return;
      try {
        rmSync(path, { recursive: folder, force: true });
      } catch (error) {
        report.errors.push(`could not remove ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    };
    // Records before their blobs: no kept record ever points at a blob already gone.
    for (const [unit, bytes] of chosen.units) {
      removeOne(unit.path, unit.folder);
      tally(report, { kind: unit.kind, path: unit.rel, bytes, last_used: new Date(unit.lastUse).toISOString() });
    }
    for (const [blob, bytes] of chosen.blobs) {
      removeOne(blob.file.path, false);
      tally(report, { kind: 'blobs', path: blob.file.rel, bytes, last_used: new Date(blob.file.mtimeMs).toISOString() });
    }
    report.after_bytes = model.total - chosen.freed;
  } finally {
    if (lock && 'held' in lock) lock.held.release();
  }
  // Counted again, once the lock is gone: what is there now, whatever could not be removed.
  if (!options.dryRun) report.after_bytes = uniqueBytes(stateFiles(state.root));
  return report;
}

function tally(report: GcReport, item: GcItem): void {
  report.removed_items.push(item);
  const kind = (report.removed.kinds[item.kind] ??= { count: 0, bytes: 0 });
  kind.count++;
  kind.bytes += item.bytes;
  report.removed.count++;
  report.removed.bytes += item.bytes;
}

function uniqueBytes(files: readonly StateFile[]): number {
  const seen = new Set<string>();
  let bytes = 0;
  for (const f of files) {
    if (seen.has(f.inode)) continue;
    seen.add(f.inode);
    bytes += f.size;
  }
  return bytes;
}

/** Everything gc could remove, when each was last used, what it keeps, and what must stay. */
function inventory(state: StateDir, now: number): Model {
  const ownLock = gcLockFile(state);
  const files = stateFiles(state.root).filter((f) => f.path !== ownLock);
  const links = new Map<string, number>();
  for (const f of files) links.set(f.inode, (links.get(f.inode) ?? 0) + 1);
  const byItem = new Map<string, StateFile[]>();
  for (const f of files) {
    const item = itemOf(f);
    const held = byItem.get(item);
    if (held) held.push(f);
    else byItem.set(item, [f]);
  }
  const units: Unit[] = [];
  const blobs = new Map<string, Blob>();
  const fileUnit = (kind: GcKind, f: StateFile, lastUse = f.mtimeMs): Unit => {
    const unit: Unit = { kind, rel: f.rel, path: f.path, folder: false, lastUse, files: [f], refs: [] };
    units.push(unit);
    return unit;
  };
  const flat = (dir: string) => files.filter((f) => f.rel.startsWith(`${dir}/`) && !f.rel.slice(dir.length + 1).includes('/'));
  const name = (f: StateFile) => f.rel.slice(f.rel.lastIndexOf('/') + 1);

  // Runs: their journals say when each step record was last used, and which records a task's run used.
  const journals = new Map<string, JournalLine[]>();
  const runUnits = new Map<string, Unit>();
  for (const id of folders(state.runs).filter((id) => RUN_ID.test(id))) {
    const unit = folderUnit('runs', `runs/${id}`, join(state.runs, id), byItem);
    units.push(unit);
    runUnits.set(id, unit);
    const journal = join(state.runs, id, 'journal.jsonl');
    if (existsSync(journal)) journals.set(id, readJournal(journal));
  }
  const used = new Map<string, number>();
  const use = (key: string, at: number) => {
    if (!Number.isNaN(at) && at > (used.get(key) ?? 0)) used.set(key, at);
  };
  // A record used by a run counts as used when that run ended, like the run's report and previews: of
  // what one run last used, the size limit then takes the report first and the results last.
  for (const [id, lines] of journals) {
    const ended = runUnits.get(id)!.lastUse;
    for (const l of lines) if (l.event === 'step-cached' || l.event === 'step-succeeded') use(l.key, Math.max(Date.parse(l.t), ended));
  }
  for (const f of flat('cache/history')) {
    fileUnit('history', f);
    try {
      const history = JSON.parse(readFileSync(f.path, 'utf8')) as { steps?: Record<string, { key?: unknown; at?: unknown }> };
      for (const last of Object.values(history.steps ?? {})) if (typeof last.key === 'string' && typeof last.at === 'string') use(last.key, Date.parse(last.at));
    } catch {
      // a damaged history file only loses its dates
    }
  }

  // Step records keep their outputs' blobs; URL records the content they name.
  const records = new Map<string, Unit>();
  for (const f of flat('cache/steps')) {
    const key = name(f).replace(/\.json$/, '');
    const unit = fileUnit('step_records', f);
    if (!SHA256.test(key) || !name(f).endsWith('.json')) continue;
    records.set(key, unit);
    let text: string;
    try {
      text = readFileSync(f.path, 'utf8');
    } catch {
      continue;
    }
    const found = parseRecord<StepRecord>(text, (value) => stepRecordProblem(value, key));
    if (!('record' in found)) continue; // damaged: it keeps nothing, and a run would set it aside
    unit.refs = [...new Set(Object.values(found.record.outputs).map((o) => o.digest))];
    unit.lastUse = Math.max(f.mtimeMs, Date.parse(found.record.createdAt) || 0, used.get(key) ?? 0);
  }
  for (const f of flat('cache/urls')) {
    const digest = name(f).replace(/\.json$/, '');
    const unit = fileUnit('upload_urls', f);
    if (!SHA256.test(digest)) continue;
    try {
      const found = parseRecord<KnownUrl[]>(readFileSync(f.path, 'utf8'), urlRecordProblem);
      if (!('record' in found)) continue;
      // A URL with less than MIN_VALIDITY_MS left is never offered again: a record of only those is garbage.
      const usable = found.record.filter((u) => !u.expiresAt || Date.parse(u.expiresAt) - now >= MIN_VALIDITY_MS);
      if (usable.length) unit.refs = [digest];
      else unit.garbage = true;
    } catch {
      // unreadable: keeps nothing
    }
  }
  for (const f of flat('cache/objects')) {
    if (SHA256.test(name(f))) blobs.set(name(f), { digest: name(f), file: f });
    else fileUnit('blobs', f); // a temp file of a write that never finished
  }

  // Previews are made once per digest and linked into each report that shows them: last used by the newest such run.
  const runOfInode = new Map<string, number>();
  for (const unit of runUnits.values()) for (const f of unit.files) runOfInode.set(f.inode, Math.max(runOfInode.get(f.inode) ?? 0, unit.lastUse));
  for (const digest of folders(join(state.root, 'previews')).filter((d) => SHA256.test(d))) {
    const unit = folderUnit('previews', `previews/${digest}`, join(state.root, 'previews', digest), byItem);
    for (const f of unit.files) unit.lastUse = Math.max(unit.lastUse, runOfInode.get(f.inode) ?? 0);
    units.push(unit);
  }

  // Work folders: a dead run's is garbage (as the next run would find it); a live one's means a run in progress.
  for (const entry of folders(state.tmp)) {
    const dir = join(state.tmp, entry);
    const owner = readOwner(dir);
    if (owner && ownerAlive(owner)) continue;
    const unit = folderUnit('tmp', `tmp/${entry}`, dir, byItem);
    if (owner) unit.garbage = true;
    units.push(unit);
  }

  const referrers = new Map<string, Unit[]>();
  for (const unit of units) {
    for (const digest of unit.refs) {
      const held = referrers.get(digest);
      if (held) held.push(unit);
      else referrers.set(digest, [unit]);
    }
  }

  // Remote tasks not finished: their records, and all that their runs used, stay.
  const tasks: TaskInfo[] = [];
  let taskBytes = 0;
  for (const f of flat('tasks')) {
    const key = name(f).replace(/\.json$/, '');
    if (!SHA256.test(key) || !name(f).endsWith('.json')) continue;
    tasks.push(taskInfo(key, f.path));
    taskBytes += f.size;
  }
  const taskKeys = new Set(tasks.map((t) => t.key));
  const taskRuns = new Set(tasks.flatMap((t) => (t.run ? [t.run] : [])));
  const pinRecord = (key: string, reason: KeepReason) => {
    const unit = records.get(key);
    if (unit) unit.pin ??= reason;
  };
  for (const key of taskKeys) pinRecord(key, 'task');
  for (const [id, lines] of journals) {
    if (!taskRuns.has(id) && !lines.some((l) => 'key' in l && typeof l.key === 'string' && taskKeys.has(l.key))) continue;
    runUnits.get(id)!.pin ??= 'task';
    for (const l of lines) {
      if (l.event === 'step-cached' || l.event === 'step-succeeded') pinRecord(l.key, 'task');
      if (l.event === 'step-succeeded') for (const digest of Object.values(l.outputs)) if (blobs.has(digest)) blobs.get(digest)!.pin ??= 'task';
    }
  }
  for (const id of taskRuns) if (runUnits.has(id)) runUnits.get(id)!.pin ??= 'task';

  // A run in progress may have just found any record and be about to read its blobs: the cache stays whole.
  const live = liveRuns(state, now);
  if (live.length) {
    for (const unit of units) if (unit.kind !== 'runs' && unit.kind !== 'tmp') unit.pin ??= 'run-in-progress';
    for (const blob of blobs.values()) blob.pin ??= 'run-in-progress';
    for (const run of live) if (run.run && runUnits.has(run.run)) runUnits.get(run.run)!.pin ??= 'run-in-progress';
  }
  return { units, blobs, referrers, links, total: uniqueBytes(files), tasks, taskBytes, live };
}

function folderUnit(kind: GcKind, rel: string, path: string, byItem: Map<string, StateFile[]>): Unit {
  const files = byItem.get(rel) ?? [];
  let lastUse = 0;
  try {
    lastUse = statSync(path).mtimeMs;
  } catch {
    // gone meanwhile
  }
  for (const f of files) lastUse = Math.max(lastUse, f.mtimeMs);
  return { kind, rel, path, folder: true, lastUse, files, refs: [] };
}

function folders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** What a task record still says, each value only if well-formed; a damaged one is kept all the same. */
function taskInfo(key: string, file: string): TaskInfo {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return {
      key,
      run: isName('run id', v.run) ? v.run : undefined,
      step: typeof v.step === 'string' ? v.step : undefined,
      backend: typeof v.backend === 'string' ? v.backend : undefined,
      taskId: isName('task id', v.taskId) ? v.taskId : undefined,
    };
  } catch {
    return { key };
  }
}

/**
 * What goes: garbage first (dead work folders, expired URL records, blobs nothing refers to), then
 * what was last used before the cutoff, then the least recently used until the size fits. Removing a
 * record frees the blobs only it kept. `usePins: false` tells what the criteria alone would remove, so
 * that what was kept because it is needed can be reported.
 */
function select(model: Model, criteria: { cutoff?: number; maxBytes?: number; start: number }, usePins: boolean): Selection {
  const links = new Map(model.links);
  const refcount = new Map<string, number>();
  for (const [digest, units] of model.referrers) refcount.set(digest, units.length);
  const units = new Map<Unit, number>();
  const blobs = new Map<Blob, number>();
  let freed = 0;
  const free = (files: readonly StateFile[]) => {
    let bytes = 0;
    for (const f of files) {
      const left = links.get(f.inode)! - 1;
      links.set(f.inode, left);
      if (left === 0) bytes += f.size;
    }
    freed += bytes;
    return bytes;
  };
  const pinned = (x: { pin?: KeepReason }) => usePins && x.pin !== undefined;
  // A blob written after gc started belongs to a run gc could not see: never touched.
  const dropBlob = (blob: Blob) => {
    if (!blobs.has(blob) && !pinned(blob) && blob.file.mtimeMs < criteria.start) blobs.set(blob, free([blob.file]));
  };
  const drop = (unit: Unit) => {
    if (units.has(unit) || pinned(unit)) return;
    units.set(unit, free(unit.files));
    for (const digest of unit.refs) {
      const left = refcount.get(digest)! - 1;
      refcount.set(digest, left);
      const blob = model.blobs.get(digest);
      if (left === 0 && blob) dropBlob(blob);
    }
  };
  for (const unit of model.units) if (unit.garbage) drop(unit);
  for (const blob of model.blobs.values()) if (!refcount.get(blob.digest)) dropBlob(blob);
  const oldest = [...model.units].sort((a, b) => a.lastUse - b.lastUse || RANK[a.kind] - RANK[b.kind]);
  if (criteria.cutoff !== undefined) for (const unit of oldest) if (unit.lastUse < criteria.cutoff) drop(unit);
  let reached: boolean | undefined;
  if (criteria.maxBytes !== undefined) {
    for (const unit of oldest) {
      if (model.total - freed <= criteria.maxBytes) break;
      drop(unit);
    }
    reached = model.total - freed <= criteria.maxBytes;
  }
  return { units, blobs, freed, reached };
}

/** Of what was last used at the same time, what is cheapest to make again goes first: the results last. */
const RANK: Record<GcKind, number> = { runs: 0, previews: 1, history: 2, tmp: 3, upload_urls: 4, blobs: 5, step_records: 6 };

/** What the criteria alone would have removed and was kept, by what needs it. */
function keptGroups(model: Model, wanted: Selection, chosen: Selection): KeptGroup[] {
  const groups = new Map<KeepReason, KeptGroup>();
  const group = (reason: KeepReason) => {
    let g = groups.get(reason);
    if (!g) groups.set(reason, (g = { reason, why: why(reason, model), total: { count: 0, bytes: 0 }, kinds: {} }));
    return g;
  };
  const add = (reason: KeepReason, kind: GcKind | 'task_records', bytes: number) => {
    const g = group(reason);
    const t = (g.kinds[kind] ??= { count: 0, bytes: 0 });
    t.count++;
    t.bytes += bytes;
    g.total.count++;
    g.total.bytes += bytes;
  };
  if (model.tasks.length) {
    const g = group('task');
    g.kinds.task_records = { count: model.tasks.length, bytes: model.taskBytes };
    g.total.count += model.tasks.length;
    g.total.bytes += model.taskBytes;
  }
  for (const [unit, bytes] of wanted.units) if (!chosen.units.has(unit) && unit.pin) add(unit.pin, unit.kind, bytes);
  for (const [blob, bytes] of wanted.blobs) {
    if (chosen.blobs.has(blob)) continue;
    const reason = blob.pin ?? model.referrers.get(blob.digest)?.find((u) => u.pin)?.pin;
    if (reason) add(reason, 'blobs', bytes);
  }
  return [...groups.values()];
}

function why(reason: KeepReason, model: Model): string {
  if (reason === 'task') {
    const shown = model.tasks.slice(0, 3).map((t) => `step "${t.step ?? '?'}"${t.backend ? ` on ${t.backend}` : ''}${t.taskId ? `, task ${t.taskId}` : ', submit of unknown outcome'}${t.run ? `, run ${t.run}` : ''}`);
    const more = model.tasks.length > 3 ? `, and ${model.tasks.length - 3} more` : '';
    return `${model.tasks.length === 1 ? 'a remote task has' : `${model.tasks.length} remote tasks have`} not finished (${shown.join('; ')}${more}): their records in tasks/ and what their runs computed stay, so the next run re-attaches instead of paying again`;
  }
  const shown = model.live.slice(0, 3).map((r) => `${r.run ? `run ${r.run}` : 'a run starting'}${r.pid ? ` (pid ${r.pid}${r.host === hostname() ? '' : ` on ${r.host}`})` : ''}, seen in ${r.shown_by}`);
  const more = model.live.length > 3 ? `, and ${model.live.length - 3} more` : '';
  return `${model.live.length === 1 ? 'a run is' : `${model.live.length} runs are`} in progress (${shown.join('; ')}${more}): a run may be about to use any cached result, so the cache and previews stay as they are; run gc again when it has ended`;
}
