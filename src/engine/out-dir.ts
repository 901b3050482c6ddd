import { resolve } from 'node:path';
import type { MediaPath } from '../graph/media-paths.js';
import { isInside } from '../recipe/work-tree.js';

/**
 * Why the out folder cannot be used, or undefined: outputs are copied into it under their own names, so an
 * out folder that is or holds the recipe or one of the run's input files (`--out .` beside the clips)
 * could overwrite it, and a result would silently replace its own source.
 */
export function outDirConflict(outDir: string, recipeFile: string, inputs: readonly MediaPath[]): string | undefined {
  const recipe = resolve(recipeFile);
  if (isInside(outDir, recipe)) return `it holds the recipe ${recipeFile}`;
  const input = inputs.find((p) => isInside(outDir, p.file));
  if (input) return `it holds ${input.written}, an input of this run (${input.origin === 'cli' ? `--input ${input.input}` : input.input ? `input "${input.input}"` : `at ${input.at.join('.')}`})`;
  return undefined;
}
