import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Plan } from '../graph/plan.js';
import type { MediaKind } from '../models/types.js';
import { writeFileAtomic } from './atomic.js';
import type { StepView } from './events.js';
import { processAlive } from './lock.js';
import { mediaExt, type MediaFiles } from './media-files.js';
import { outputLayout, type LayoutLeg } from './out-layout.js';

export interface PublishedOutput {
  /** The copy in the out dir. */
  file: string;
  kind: MediaKind;
  digest: string;
  /** The step that made it; absent when the output is a recipe input passed through. */
  step?: string;
  /**
   * An output of a matrix step: one file per leg, in matrix order; `file` is then the output's folder and
   * `digest` is empty (there is no one file to name).
   */
  legs?: { leg: string; matrix?: Record<string, string>; file: string; digest: string }[];
}

/**
 * `Plan.outputs` as the batches contract between helpers has it: each recipe output's legs (a step
 * without a matrix has one), or a value passed through. Read structurally, so this module works before
 * and after the graph fills it; without it, outputs come from the recipe's references (one leg each).
 */
type PlannedOutputs = Record<string, { legs: { leg: string; folder?: string; output: string }[] } | { value: unknown; kind?: string }>;

/** `--out/.vidrecipe-out.json`: the files of the out folder that vidrecipe wrote, and which run wrote them. */
export const MANIFEST = '.vidrecipe-out.json';
const STAGING = '.vidrecipe-staging-';

interface Manifest {
  format: 1;
  /** The run whose outputs these are; absent while a publish is under way (the list then covers both runs). */
  run?: string;
  recipe: string;
  /** Outputs this run did not make (their step failed or did not run). */
  missing: string[];
  files: { path: string; output: string; leg?: string; digest: string }[];
}

export interface PublishOptions {
  /** The run publishing: named in the manifest and in what the summary says of the folder. */
  runId?: string;
  /** Ctrl-C: the folder is left as the last run left it (see {@link publishRun}). */
  interrupted?: boolean;
}

/** What the out folder holds after a run, for the summary. */
export interface OutFolder {
  dir: string;
  /** True when this run's outputs replaced the folder's; false when it was left as it was. */
  replaced: boolean;
  /** The run whose outputs the folder holds, when known. */
  run?: string;
  /** Recipe outputs the run that the folder holds did not make. */
  missing: string[];
}

export interface Publication {
  outputs: Record<string, PublishedOutput>;
  folder: OutFolder;
}

/** One file to publish: a recipe output, or one leg of it. */
interface Source {
  output: string;
  leg: LayoutLeg;
  path: string;
  digest: string;
  ext: string;
  kind: MediaKind;
  step?: string;
}

/**
 * Publishes a run's recipe outputs into `outDir` so that the folder holds exactly one run's outputs:
 * - they are copied (not linked: editing a result never damages the cache) into a staging folder inside
 *   `outDir` first, then moved into place, and the files an earlier run wrote that this run did not are
 *   removed — a failed run never leaves its partial outputs beside stale ones of an earlier run;
 * - what vidrecipe wrote is listed in {@link MANIFEST}; nothing else in the folder is touched (a user's
 *   own notes beside the outputs stay), and the list is written to cover both runs while files move, so
 *   a run killed half-way is cleaned up by the next;
 * - a run that has no output at all, or that was interrupted, leaves the folder as it was: it still holds
 *   one earlier run's outputs, whole, and `folder` says which.
 */
export async function publishRun(plan: Plan, views: ReadonlyMap<string, StepView>, outDir: string, media: MediaFiles, options: PublishOptions = {}): Promise<Publication> {
  const { sources, missing } = await outputSources(plan, views, media);
  const old = readManifest(outDir);
  if (options.interrupted || sources.length === 0) {
    return { outputs: {}, folder: { dir: outDir, replaced: false, run: old?.run, missing: old?.missing ?? [] } };
  }
  const paths = layout(sources);
  mkdirSync(outDir, { recursive: true });
  removeAbandonedStaging(outDir);
  const stage = join(outDir, `${STAGING}${process.pid}-${randomBytes(4).toString('hex')}`);
  const published: Record<string, PublishedOutput> = {};
  try {
    for (const [i, source] of sources.entries()) {
      const staged = join(stage, paths[i]!);
      mkdirSync(dirname(staged), { recursive: true });
      copyFileSync(source.path, staged);
    }
    const files = sources.map((s, i) => ({ path: paths[i]!, output: s.output, ...(s.leg.matrix ? { leg: s.leg.leg } : {}), digest: s.digest }));
    const keep = new Set(paths);
    const stale = (old?.files ?? []).map((f) => f.path).filter((p) => !keep.has(p));
    // Until every file is in place the list names the old files and the new: whatever happens, the next
    // run knows every file of ours in the folder.
    writeManifest(outDir, { format: 1, recipe: plan.recipe.file, missing, files: [...files, ...stale.map((path) => ({ path, output: '', digest: '' }))] });
    for (const path of stale) {
      rmSync(join(outDir, path), { force: true });
      pruneEmpty(outDir, dirname(path));
    }
    for (const [i, source] of sources.entries()) {
      const file = join(outDir, paths[i]!);
      mkdirSync(dirname(file), { recursive: true });
      renameSync(join(stage, paths[i]!), file);
      if (!source.leg.matrix) published[source.output] = { file, kind: source.kind, digest: source.digest, step: source.step };
      else {
        // A matrix output is the folder of its legs.
        const entry = (published[source.output] ??= { file: join(outDir, source.output), kind: source.kind, digest: '', step: source.step, legs: [] });
        entry.legs!.push({ leg: source.leg.leg, matrix: source.leg.matrix, file, digest: source.digest });
      }
    }
    writeManifest(outDir, { format: 1, run: options.runId, recipe: plan.recipe.file, missing, files });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return { outputs: published, folder: { dir: outDir, replaced: true, run: options.runId, missing } };
}

/** Each output's file under the out dir, legs of one output laid out together. */
function layout(sources: readonly Source[]): string[] {
  const paths: string[] = new Array<string>(sources.length);
  const byOutput = new Map<string, number[]>();
  for (const [i, s] of sources.entries()) byOutput.set(s.output, [...(byOutput.get(s.output) ?? []), i]);
  for (const [output, indexes] of byOutput) {
    const laid = outputLayout(output, indexes.map((i) => ({ ...sources[i]!.leg, ext: sources[i]!.ext })));
    for (const [k, i] of indexes.entries()) paths[i] = laid[k]!;
  }
  return paths;
}

/**
 * The files a run has for the recipe's outputs, and what it has none for: an output's name, or for a
 * matrix output whose legs did not all finish, `video: 13 of 300 legs`. One file per leg of each output
 * (Plan.outputs when the graph gives it, else the recipe's reference), each leg with its matrix values so
 * {@link outputLayout} gives it its folder.
 */
async function outputSources(plan: Plan, views: ReadonlyMap<string, StepView>, media: MediaFiles): Promise<{ sources: Source[]; missing: string[] }> {
  const planned = (plan as Plan & { outputs?: PlannedOutputs }).outputs;
  const sources: Source[] = [];
  const missing: string[] = [];
  for (const [name, site] of Object.entries(plan.recipe.outputs)) {
    const given = planned?.[name];
    const legs = given && 'legs' in given ? given.legs : site.ref.context === 'steps' ? [{ leg: site.ref.step, output: site.ref.output }] : undefined;
    if (legs) {
      let found = 0;
      for (const { leg, output } of legs) {
        const view = views.get(leg);
        const file = view?.outputs[output];
        if (!view || !file) continue;
        found++;
        sources.push({ output: name, leg: { leg, ...(view.matrix ? { matrix: view.matrix } : {}) }, path: file.path, digest: file.digest, ext: file.ext, kind: file.kind, step: view.step });
      }
      if (!found) missing.push(name);
      else if (found < legs.length) missing.push(`${name}: ${legs.length - found} of ${legs.length} legs`);
      continue;
    }
    const value = given && 'value' in given ? given.value : site.ref.context === 'inputs' ? plan.inputs[site.ref.name] : undefined;
    const kind = given && 'value' in given ? given.kind : site.ref.context === 'inputs' ? plan.recipe.inputs[site.ref.name]?.type : undefined;
    // Only media are published; a text or number output has no file to miss.
    if (kind !== 'video' && kind !== 'image') continue;
    const source = typeof value === 'string' ? await passedThrough(name, value, kind, plan, media) : undefined;
    if (source) sources.push(source);
    else missing.push(name);
  }
  return { sources, missing };
}

/** A recipe output that is an input's media file, published as it is. */
async function passedThrough(name: string, value: string, kind: MediaKind, plan: Plan, media: MediaFiles): Promise<Source | undefined> {
  try {
    const file = await media.resolve(value, plan.recipe.dir);
    return { output: name, leg: { leg: name }, path: file.path, digest: file.digest, ext: mediaExt(file.path, kind), kind };
  } catch {
    // A missing input already failed the steps that read it; nothing to publish.
    return undefined;
  }
}

/**
 * The manifest of `outDir`, or undefined. Only paths inside the folder are believed: a manifest copied
 * from elsewhere, or edited, must not make a run delete files outside it (or the manifest itself).
 */
export function readManifest(outDir: string): Manifest | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (!manifest || manifest.format !== 1 || !Array.isArray(manifest.files)) return undefined;
  const files = manifest.files.filter((f) => f && typeof f.path === 'string' && safePath(f.path));
  return { ...manifest, missing: Array.isArray(manifest.missing) ? manifest.missing.filter((m) => typeof m === 'string') : [], files };
}

/** A relative path with `/`, no `.`/`..` segment, not the manifest or a staging folder. */
function safePath(path: string): boolean {
  if (path === '' || isAbsolute(path) || path.includes('\\') || posix.normalize(path) !== path) return false;
  const parts = path.split('/');
  return !parts.some((p) => p === '' || p === '.' || p === '..') && parts[0] !== MANIFEST && !parts[0]!.startsWith(STAGING);
}

function writeManifest(outDir: string, manifest: Manifest): void {
  writeFileAtomic(join(outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Removes `dir` (relative to `root`) and its parents up to `root` while they are empty. */
function pruneEmpty(root: string, dir: string): void {
  for (let d = dir; d !== '.' && d !== ''; d = posix.dirname(d)) {
    try {
      rmdirSync(join(root, d));
    } catch {
      return; // not empty (a user's file, or another output's), or already gone
    }
  }
}

/** Staging folders of runs killed while publishing (their process is gone): half-copied files, ours to delete. */
function removeAbandonedStaging(outDir: string): void {
  for (const entry of readdirSync(outDir)) {
    const pid = entry.startsWith(STAGING) ? Number(entry.slice(STAGING.length).split('-')[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) rmSync(join(outDir, entry), { recursive: true, force: true });
  }
}
