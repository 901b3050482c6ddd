import type { RecipeSource } from './source.js';
import type { Diagnostic } from './types.js';

/** A recipe name becomes a folder (`out/<name>/`): one plain path segment, never a way out of `out/`. */
export const RECIPE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
const NAME = new RegExp(RECIPE_NAME_PATTERN);
const MAX_LENGTH = 100;

/**
 * The name a recipe without `name:` gets: its file name without the extension, unless that is `.` or `..`
 * (a file called `...yaml`), which would make `out/<name>/` the out folder itself or its parent.
 */
export function defaultRecipeName(fileStem: string): string {
  return fileStem === '.' || fileStem === '..' || fileStem === '' ? 'recipe' : fileStem;
}

/** The `recipe-name` problem with `name:`, if any, at its line. */
export function checkRecipeName(name: unknown, source: RecipeSource): Diagnostic | undefined {
  if (typeof name !== 'string') return undefined; // the structure check reports a name that is not text
  if (NAME.test(name) && name.length <= MAX_LENGTH) return undefined;
  const fixed = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, MAX_LENGTH);
  const hint = fixed && NAME.test(fixed) ? `, e.g. "${fixed}"` : '';
  const why = name.length > MAX_LENGTH ? `is ${name.length} characters long; at most ${MAX_LENGTH}` : 'must start with a letter or digit and use only letters, digits, ".", "_" and "-"';
  return source.error(['name'], 'recipe-name', `name ${JSON.stringify(name)} ${why}: it names the out folder out/<name>/, which must stay inside out/${hint}`);
}
