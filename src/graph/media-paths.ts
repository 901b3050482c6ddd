import { dirname, isAbsolute, resolve } from 'node:path';
import { mediaKindOf, paramShapes } from '../recipe/schema.js';
import type { RecipeSource } from '../recipe/source.js';
import type { Plan } from './plan.js';

/** A local media file a run will read, known before anything runs, and where it was named. */
export interface MediaPath {
  /** Absolute path. */
  file: string;
  /** As written in the recipe or on the command line. */
  written: string;
  expected: 'video' | 'image';
  /**
   * `cli`: given with --input; `cli-table`: named in a table given with --input (both the user's own
   * choice); `default` and `with`: written in the recipe (or a table it names).
   */
  origin: 'default' | 'with' | 'cli' | 'cli-table';
  /** The input it fills, for `default` and `cli`. */
  input?: string;
  /** Path of the node in the recipe a diagnostic points at. */
  at: (string | number)[];
  /** The recipe file `at` is in (a sub-recipe's own). */
  source: RecipeSource;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Every local file the plan's legs read as media — input defaults, `--input` values, list items, table
 * cells, globbed files, literal paths in `with` — once each: what the trust and kind checks look at before
 * anything is read, uploaded or run. URLs and upstream outputs are not files yet.
 */
export function mediaPathsOf(plan: Pick<Plan, 'recipe' | 'inputs' | 'steps' | 'userFiles'>, source: RecipeSource): MediaPath[] {
  const found = new Map<string, MediaPath>();
  const add = (path: MediaPath) => {
    const key = `${path.file}\u0000${path.origin === 'with' || path.origin === 'cli-table' ? `${path.source.file}:${path.at.join('.')}` : ''}`;
    if (!found.has(key)) found.set(key, path);
  };
  const fromCli = new Set<string>();
  const { recipe } = plan;
  for (const [name, decl] of Object.entries(recipe.inputs)) {
    const value = plan.inputs[name];
    const kind = decl.type === 'list' ? decl.of : decl.type;
    if (kind !== 'video' && kind !== 'image') continue;
    // --input values were made absolute against the working directory; defaults stay as written.
    const cli = JSON.stringify(value) !== JSON.stringify(decl.default);
    for (const item of [value].flat()) {
      if (typeof item !== 'string' || !isLocal(item)) continue;
      const file = resolve(recipe.dir, item);
      if (cli) fromCli.add(file);
      add({ file, written: item, expected: kind, origin: cli ? 'cli' : 'default', input: name, at: cli ? ['inputs', name] : ['inputs', name, 'default'], source });
    }
  }
  for (const leg of plan.steps) {
    const dir = dirname(resolve(leg.spec.file));
    for (const [name, shape] of paramShapes(leg.spec.model)) {
      const kind = mediaKindOf(shape);
      const value = leg.with[name];
      if (!kind || value === undefined) continue;
      const items = shape.kind === 'list' && Array.isArray(value) ? value.map((v, i) => [v, [name, i]] as const) : [[value, [name]] as const];
      for (const [item, rel] of items) {
        if (typeof item !== 'string' || !isLocal(item)) continue;
        const file = resolve(dir, item);
        // A file the user named on the command line is theirs to name, wherever the recipe passes it.
        if (fromCli.has(file)) continue;
        const written = leg.spec.with[name];
        // A path the recipe spells out is the recipe's, even where the user's table names the same file.
        const fromTable = plan.userFiles.has(file) && !isLiteral(typeof written === 'string' ? written : Array.isArray(written) ? written[rel[1] as number] : undefined);
        add({ file, written: item, expected: kind, origin: fromTable ? 'cli-table' : 'with', at: ['steps', leg.spec.id, 'with', ...(typeof written === 'string' ? [name] : rel)], source: leg.source });
      }
    }
  }
  return [...found.values()];
}

function isLiteral(written: unknown): boolean {
  return typeof written === 'string' && !written.includes('${{');
}

function isLocal(value: string): boolean {
  return value.trim() !== '' && (isAbsolute(value) || !SCHEME.test(value));
}
