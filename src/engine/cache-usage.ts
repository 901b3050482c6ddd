import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { StateDir } from './state-dir.js';

/**
 * What the state dir holds, by kind. Blobs and previews come first: reports link their media from
 * there (hard links), so a file's bytes are counted once, under the first kind that holds it, and the
 * other kinds show them as `linked_bytes`. The total is what deleting the state dir would free.
 */
export const USAGE_KINDS = ['blobs', 'previews', 'step_records', 'task_records', 'runs', 'history', 'upload_urls', 'quarantine', 'tmp', 'locks', 'other'] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** The order `cache du` shows them in, as DESIGN.md lists the state dir. */
const SHOWN_ORDER: readonly UsageKind[] = ['blobs', 'step_records', 'task_records', 'runs', 'previews', 'history', 'upload_urls', 'quarantine', 'tmp', 'locks', 'other'];

/** Each kind's folder, relative to the state dir (DESIGN.md "State on disk"). */
export const KIND_PATHS: Record<Exclude<UsageKind, 'other'>, string> = {
  blobs: 'cache/objects',
  previews: 'previews',
  step_records: 'cache/steps',
  task_records: 'tasks',
  runs: 'runs',
  history: 'cache/history',
  upload_urls: 'cache/urls',
  quarantine: 'quarantine',
  tmp: 'tmp',
  locks: 'locks',
};

/** Kinds whose items are folders (one per run, per previewed digest, per run's work); the others' items are files. */
const FOLDER_ITEMS: ReadonlySet<UsageKind> = new Set(['runs', 'previews', 'tmp']);

/** One regular file of the state dir. */
export interface StateFile {
  path: string;
  /** Relative to the state dir, with `/`. */
  rel: string;
  kind: UsageKind;
  size: number;
  mtimeMs: number;
  /** Device and inode: the hard links of one file share it. */
  inode: string;
}

export interface KindUsage {
  kind: UsageKind;
  /** Its folder, relative to the state dir (`other`: anything else). */
  path: string;
  /** Blobs, records, run folders, previewed digests …: what the kind counts in. */
  items: number;
  files: number;
  /** Bytes of the files first counted here. */
  bytes: number;
  /** Bytes of files that are hard links to files counted before (a report's media, linked from previews/ and blobs). */
  linked_bytes: number;
}

export interface StateUsage {
  state_dir: string;
  exists: boolean;
  files: number;
  /** Every file's bytes once, whatever its number of links. */
  bytes: number;
  kinds: KindUsage[];
}

/** Every regular file under the state dir (symbolic links are not followed), in the order the kinds count them. */
export function stateFiles(root: string): StateFile[] {
  const files: StateFile[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed while we looked, or unreadable
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        try {
          const stat = lstatSync(path, { bigint: true });
          const rel = relative(root, path).split(sep).join('/');
          files.push({ path, rel, kind: kindOf(rel), size: Number(stat.size), mtimeMs: Number(stat.mtimeMs), inode: `${stat.dev}:${stat.ino}` });
        } catch {
          // removed while we looked
        }
      }
    }
  };
  walk(root);
  const order = (f: StateFile) => USAGE_KINDS.indexOf(f.kind);
  return files.sort((a, b) => order(a) - order(b) || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

export function kindOf(rel: string): UsageKind {
  for (const kind of USAGE_KINDS) {
    if (kind === 'other') break;
    const path = KIND_PATHS[kind];
    if (rel.startsWith(`${path}/`)) return kind;
  }
  return 'other';
}

/** The item of a kind a file belongs to: its run folder, its previewed digest, or itself. */
export function itemOf(file: StateFile): string {
  if (file.kind === 'other' || !FOLDER_ITEMS.has(file.kind)) return file.rel;
  const base = KIND_PATHS[file.kind];
  return `${base}/${file.rel.slice(base.length + 1).split('/')[0]}`;
}

/** `vidrecipe cache du`: the state dir's size by kind, counted from the files themselves. */
export function stateUsage(stateDir: string): StateUsage {
  const state = new StateDir(stateDir);
  const files = existsSync(state.root) ? stateFiles(state.root) : [];
  const seen = new Set<string>();
  const kinds = new Map<UsageKind, KindUsage & { itemSet: Set<string> }>(
    USAGE_KINDS.map((kind) => [kind, { kind, path: kind === 'other' ? '' : `${KIND_PATHS[kind]}/`, items: 0, files: 0, bytes: 0, linked_bytes: 0, itemSet: new Set<string>() }]),
  );
  let bytes = 0;
  for (const file of files) {
    const usage = kinds.get(file.kind)!;
    usage.files++;
    usage.itemSet.add(itemOf(file));
    if (seen.has(file.inode)) usage.linked_bytes += file.size;
    else {
      seen.add(file.inode);
      usage.bytes += file.size;
      bytes += file.size;
    }
  }
  // Folders hold items too before they hold files (an empty run folder, a work folder just made).
  for (const kind of FOLDER_ITEMS) {
    const usage = kinds.get(kind)!;
    const base = join(state.root, KIND_PATHS[kind as Exclude<UsageKind, 'other'>]);
    try {
      for (const entry of readdirSync(base, { withFileTypes: true })) if (entry.isDirectory()) usage.itemSet.add(`${KIND_PATHS[kind as Exclude<UsageKind, 'other'>]}/${entry.name}`);
    } catch {
      // no such folder yet
    }
  }
  return {
    state_dir: state.root,
    exists: existsSync(state.root),
    files: files.length,
    bytes,
    kinds: SHOWN_ORDER.map((kind) => kinds.get(kind)!).map(({ itemSet, ...usage }) => ({ ...usage, items: itemSet.size })),
  };
}
