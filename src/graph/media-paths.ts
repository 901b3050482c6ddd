import { isAbsolute, resolve } from 'node:path';
import { findExpressions } from '../recipe/expression.js';
import { mediaKindOf, paramShapes } from '../recipe/schema.js';
import { isSubRecipe, type Recipe } from '../recipe/types.js';
import type { InputValue } from './inputs.js';

/** A local media file a run will read, known before anything runs, and where it was named. */
export interface MediaPath {
  /** Absolute path. */
  file: string;
  /** As written in the recipe or on the command line. */
  written: string;
  expected: 'video' | 'image';
  /** `cli`: given with --input (the user's own choice); `default` and `with`: written in the recipe. */
  origin: 'default' | 'with' | 'cli';
  /** The input it fills, for `default` and `cli`. */
  input?: string;
  /** Path of the node in the recipe a diagnostic points at. */
  at: (string | number)[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Every local file named as media in a recipe (input defaults, literal paths in `with`) or with `--input`:
 * what the trust and kind checks look at before anything is read, uploaded or run. URLs and references are
 * not files yet.
 */
export function mediaPathsOf(recipe: Recipe, inputs: Readonly<Record<string, InputValue>>): MediaPath[] {
  const found: MediaPath[] = [];
  for (const [name, decl] of Object.entries(recipe.inputs)) {
    const value = inputs[name];
    if ((decl.type !== 'video' && decl.type !== 'image') || typeof value !== 'string' || !isLocal(value)) continue;
    // --input values were made absolute against the working directory; defaults stay as written.
    const fromCli = value !== decl.default;
    found.push({
      file: resolve(recipe.dir, value),
      written: value,
      expected: decl.type,
      origin: fromCli ? 'cli' : 'default',
      input: name,
      at: fromCli ? ['inputs', name] : ['inputs', name, 'default'],
    });
  }
  for (const step of recipe.steps.values()) {
    if (isSubRecipe(step)) continue;
    for (const [name, shape] of paramShapes(step.model)) {
      const value = step.with[name];
      const kind = mediaKindOf(shape);
      if (!kind) continue;
      const items = shape.kind === 'list' && Array.isArray(value) ? value.map((v, i) => [v, [name, i]] as const) : [[value, [name]] as const];
      for (const [item, rel] of items) {
        if (typeof item !== 'string' || !isLocal(item) || findExpressions(item).length) continue;
        found.push({ file: resolve(recipe.dir, item), written: item, expected: kind, origin: 'with', at: ['steps', step.id, 'with', ...rel] });
      }
    }
  }
  return found;
}

function isLocal(value: string): boolean {
  return value.trim() !== '' && (isAbsolute(value) || !SCHEME.test(value));
}
