import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkMediaKind, kindFix } from '../media/media-kind.js';
import { paramLabel } from '../recipe/schema.js';
import type { RecipeSource } from '../recipe/source.js';
import type { Diagnostic } from '../recipe/types.js';
import { isInside, workTreeOf } from '../recipe/work-tree.js';
import { mediaPathsOf, type MediaPath } from './media-paths.js';
import type { Plan } from './plan.js';

/** Rules of this check, as the diagnostics name them. */
export type MediaPreflightRule = 'media-path' | 'media-kind';

export interface MediaPreflightOptions {
  /** Folders (besides the recipe's work tree) that paths written in a recipe may name: `--allow-path`. */
  allowPaths?: readonly string[];
  cwd?: string;
  signal?: AbortSignal;
  /** False when ffprobe is missing: the caller said so once, and the files' content is not checked. */
  checkKinds?: boolean;
}

/**
 * Before anything is hashed, uploaded or run: each local file a recipe names must lie inside the recipe's
 * work tree (or an allowed folder), and each file (the recipe's or one given with --input) must be, by its
 * content, the kind of media it stands for. Recipes arrive in pull requests and run in CI, so a recipe must
 * not send a file of the machine to a provider, and a photo given as a video is said at its line instead
 * of failing three steps later. Returns true when a path was refused: nothing else may read it then.
 */
export async function mediaPreflight(plan: Plan, source: RecipeSource, options: MediaPreflightOptions = {}): Promise<boolean> {
  const root = workTreeOf(plan.recipe.file);
  const allowed = [root, ...(options.allowPaths ?? []).map((dir) => resolve(options.cwd ?? process.cwd(), dir))];
  const found: Diagnostic[] = [];
  let refused = false;
  const checks: Promise<void>[] = [];
  // A table written in the recipe names files and prompts a run sends on: it is held to the same rule.
  for (const [name, decl] of Object.entries(plan.recipe.inputs)) {
    const value = plan.inputs[name];
    if (decl.type !== 'table' || value !== decl.default || typeof value !== 'string') continue;
    const file = resolve(plan.recipe.dir, value);
    if (allowed.some((dir) => isInside(dir, file))) continue;
    refused = true;
    found.push(source.error(['inputs', name, 'default'], 'media-path' satisfies MediaPreflightRule, `table ${value} of input "${name}" is outside the recipe's work tree (${root}); move it into the repository, pass it with --input ${name}=PATH, or allow its folder with --allow-path DIR`));
  }
  for (const path of mediaPathsOf(plan, source)) {
    if (path.origin !== 'cli' && path.origin !== 'cli-table' && !allowed.some((dir) => isInside(dir, path.file))) {
      refused = true;
      found.push(path.source.error(path.at, 'media-path' satisfies MediaPreflightRule, `${label(path)} is outside the recipe's work tree (${root}); a recipe may read media only from its own repository: move the file into it, or allow its folder with --allow-path DIR`));
      continue;
    }
    // A missing file is reported by the cache check, as an error before a run and a warning in a plan.
    if (!existsSync(path.file) || options.checkKinds === false) continue;
    checks.push(
      checkMediaKind(path.file, path.expected, options.signal).then((problem) => {
        if (problem) found.push(path.source.error(path.at, 'media-kind' satisfies MediaPreflightRule, `${label(path)}${readers(plan, path)} ${problem.message}: ${kindFix(problem, path.expected)}`, { key: path.origin === 'cli' }));
      }),
    );
  }
  await Promise.all(checks);
  plan.diagnostics.push(...found);
  plan.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  return refused;
}

/** The steps that read an input, so an error at the input also names where it would have failed. */
function readers(plan: Plan, path: MediaPath): string {
  if (!path.input) return '';
  const ids = [...plan.recipe.steps.values()].filter((s) => s.refs.some((r) => r.ref.context === 'inputs' && r.ref.name === path.input)).map((s) => `"${s.id}"`);
  return ids.length ? `, read by step${ids.length > 1 ? 's' : ''} ${ids.join(', ')},` : '';
}

/** How the message names the file: by the input it fills, or the parameter it is written in. */
function label(path: MediaPath): string {
  if (path.origin === 'cli') return `--input ${path.input}=${path.written}`;
  if (path.origin === 'default') return `input "${path.input}" (default ${path.written})`;
  const [, step, , ...rel] = path.at;
  return `step "${String(step)}": ${paramLabel(rel)} ${path.written}`;
}
