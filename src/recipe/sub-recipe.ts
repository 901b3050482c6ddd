import { realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ValueKind } from '../models/types.js';
import type { LoadOptions } from './load.js';
import type { Raw } from './map.js';
import { checkReferences, collectExpressions, type Scope, type StepOutputs } from './references.js';
import { UntrustedReadError, readUntrustedText } from './read-untrusted.js';
import { SUB_RECIPE_PATTERN } from './schema.js';
import type { RecipeSource } from './source.js';
import { didYouMean } from './suggest.js';
import { isSubRecipe, type Diagnostic, type InputDecl, type LoadResult, type Recipe, type ReferenceSite } from './types.js';
import { isInside, workTreeOf } from './work-tree.js';
import { KIND_WORDS, describe, mediaWords } from './words.js';

/**
 * How deep sub-recipes may nest (the top recipe includes one, which includes one, …). Real recipes
 * need two or three levels; past this, the chain is generated or a mistake, and every level costs a read.
 */
export const MAX_SUB_RECIPE_DEPTH = 16;

/** Step options about one model call; a sub-recipe's own steps carry them. */
const MODEL_STEP_OPTIONS = ['backend', 'retries', 'timeout', 'cache'] as const;

const RECIPE_PATH = new RegExp(SUB_RECIPE_PATTERN);

/** Does `uses` name another recipe (`./cleanup.yaml`, `../shared/tidy.yml`) rather than a model? */
export function isRecipePath(uses: string): boolean {
  return RECIPE_PATH.test(uses);
}

/** For a `uses` that is no model: a hint when it looks like a recipe path written the wrong way, else ''. */
export function recipePathHint(uses: string): string {
  const yaml = /\.ya?ml$/i.test(uses);
  if (/^\.\.?\//.test(uses)) return yaml ? '; a sub-recipe file ends in .yaml or .yml, in lowercase' : '; a sub-recipe is a .yaml or .yml file';
  if (!yaml) return '';
  if (uses.startsWith('/')) return '; name a sub-recipe by a path relative to this recipe, starting with ./ or ../';
  return `; to use another recipe, start its path with ./ (uses: ./${uses})`;
}

/** A file being loaded, or loaded: its real path (the same file by any spelling) and the name messages use. */
interface Entry {
  real: string;
  /** As the user would see it: relative like the top recipe's path, e.g. `recipes/lib/cleanup.yaml`. */
  file: string;
}

/** One load of a top recipe and everything it includes: shared by every file of it. */
export interface IncludeContext {
  /** The files being loaded, top recipe first: a `uses` naming one of them closes a cycle. */
  chain: Entry[];
  /** Real path → its load: a file included twice (a diamond) is read and checked once, and reported once. */
  loaded: Map<string, { file: string; result: LoadResult }>;
  /** Every sub-recipe read, by the file name its diagnostics carry, for printing their lines. */
  sources: Map<string, RecipeSource>;
}

export function rootIncludeContext(file: string): IncludeContext {
  return { chain: [{ real: realOrResolved(file), file }], loaded: new Map(), sources: new Map() };
}

/** A sub-recipe that loaded without error. */
export interface SubRecipe {
  uses: string;
  recipe: Recipe;
  source: RecipeSource;
  /** What references to the including step read: the sub-recipe's outputs and their kinds. */
  outputs: StepOutputs;
}

type Load = (file: string, options: LoadOptions) => LoadResult;

/**
 * Loads the recipe a `uses: ./other.yaml` names, as the including recipe's loader sees it: problems of
 * the `uses` itself (unreadable, outside the work tree, a cycle, too deep, in error) go to the including
 * recipe's list at the `uses` line; the sub-recipe's own problems, at their own file and line, go to
 * `included`, which the caller lists after its own.
 */
export class SubRecipeLoader {
  readonly included: Diagnostic[] = [];

  constructor(
    private readonly source: RecipeSource,
    private readonly context: IncludeContext,
    private readonly options: Pick<LoadOptions, 'checker'>,
    private readonly load: Load,
  ) {}

  include(id: string, uses: string, diagnostics: Diagnostic[]): SubRecipe | undefined {
    const at = ['steps', id, 'uses'];
    const { chain } = this.context;
    const error = (message: string) => void diagnostics.push(this.source.error(at, 'sub-recipe', message));
    const absolute = resolve(dirname(resolve(this.source.file)), uses);
    const file = join(dirname(this.source.file), uses);

    // Judged before the file is opened: whether a file outside exists is not the recipe's business either.
    const root = workTreeOf(this.source.file);
    if (!isInside(root, absolute)) {
      return error(`${uses} is outside the recipe's work tree (${root}); a recipe may include only recipes from its own repository: copy the sub-recipe into it`);
    }
    let text: string;
    try {
      text = readUntrustedText(absolute, 'recipe');
    } catch (failure) {
      const reason = failure instanceof UntrustedReadError ? failure.message : (failure as Error).message;
      return error(`cannot read sub-recipe ${uses}: ${reason}`);
    }
    const real = realOrResolved(absolute);
    const loop = chain.findIndex((e) => e.real === real);
    if (loop >= 0) {
      const from = dirname(chain[loop]!.file);
      const names = [...chain.slice(loop).map((e) => e.file), chain[loop]!.file].map((f) => relative(from, f));
      const self = loop === chain.length - 1;
      const how = self ? 'a recipe cannot include itself' : 'recipes cannot include each other around a loop';
      return error(`${how}: ${names.join(' → ')}; ${self ? 'remove this step, or name another recipe' : 'remove the uses: of one of them to break the loop'}`);
    }
    if (chain.length > MAX_SUB_RECIPE_DEPTH) {
      return error(`sub-recipes nest more than ${MAX_SUB_RECIPE_DEPTH} deep: ${file} would be level ${chain.length} below ${chain[0]!.file}; copy the steps of the deepest recipes into the ones that include them`);
    }

    let loaded = this.context.loaded.get(real);
    if (!loaded) {
      chain.push({ real, file });
      try {
        loaded = { file, result: this.load(file, { text, checker: this.options.checker, cap: false, include: this.context }) };
      } finally {
        chain.pop();
      }
      this.context.loaded.set(real, loaded);
      if (loaded.result.source) this.context.sources.set(file, loaded.result.source);
      // Reported once, by the first recipe that includes the file.
      this.included.push(...loaded.result.diagnostics);
    }
    const { recipe, source, diagnostics: found } = loaded.result;
    if (!recipe || !source) {
      const errors = found.filter((d) => d.severity === 'error' && d.file === loaded.file).length;
      const listed = errors === 1 ? `1 error, reported at its line in ${loaded.file}; fix it there` : `${errors} errors, each reported at its line in ${loaded.file}; fix them there`;
      return error(`sub-recipe ${uses} has ${listed}`);
    }
    return { uses, recipe, source, outputs: { id: uses, outputs: outputKinds(recipe) } };
  }
}

/** What a sub-recipe step's `with` and options say, checked against the sub-recipe's inputs. */
export function checkSubRecipeStep(id: string, raw: Raw, sub: SubRecipe, scope: Scope, source: RecipeSource, diagnostics: Diagnostic[]): ReferenceSite[] {
  const at = ['steps', id];
  for (const option of MODEL_STEP_OPTIONS) {
    if (!Object.hasOwn(raw, option)) continue;
    diagnostics.push(
      source.error([...at, option], 'sub-recipe', `${option} applies to a model step, not to a sub-recipe; set it on the steps of ${sub.uses} that need it`, { key: true }),
    );
  }
  // The schema has said so when `with` is not a map.
  const params: Raw = raw.with && typeof raw.with === 'object' && !Array.isArray(raw.with) ? (raw.with as Raw) : {};
  const { inputs } = sub.recipe;
  const names = Object.keys(inputs);
  for (const [name, value] of Object.entries(params)) {
    const decl = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    if (!decl) {
      const hint = didYouMean(name, names) || (names.length ? `; its inputs: ${names.join(', ')}` : '; it declares no inputs');
      diagnostics.push(source.error([...at, 'with', name], 'unknown-parameter', `unknown input "${name}" for ${sub.uses}${hint}`, { key: true }));
      continue;
    }
    const problem = literalProblem(value, decl);
    if (problem) diagnostics.push(source.error([...at, 'with', name], 'type', `${name} must be ${problem}, got ${describe(value)}`));
  }
  for (const [name, decl] of Object.entries(inputs)) {
    if (decl.default !== undefined || Object.hasOwn(params, name)) continue;
    const where = raw.with === undefined ? [...at, 'uses'] : [...at, 'with'];
    diagnostics.push(
      source.error(where, 'required', `missing required input "${name}" of ${sub.uses} (it has no default); give it under with:`, { key: raw.with !== undefined }),
    );
  }
  const found = checkReferences(collectExpressions(params, [...at, 'with'], source), scope, source, {
    self: id,
    depth: 3,
    // Lists and tables feed a matrix; whether a reference may fill one is the matrix checker's question.
    slotKind: (rel) => {
      const decl = rel.length === 1 && Object.hasOwn(inputs, rel[0]!) ? inputs[rel[0]!] : undefined;
      return decl && isValueKind(decl.type) ? decl.type : undefined;
    },
  });
  diagnostics.push(...found.diagnostics);
  return found.sites;
}

/**
 * What is wrong with a literal for an input, in words ("a number"), or undefined. A media value is a path
 * relative to the including recipe (or a URL); whether the file is there is for the plan to say, as with
 * any media path. An expression is typed by the reference check.
 */
function literalProblem(value: unknown, decl: InputDecl): string | undefined {
  if (typeof value === 'string' && value.includes('${{')) {
    // Text around an expression is text: it cannot be a number or a flag.
    return (decl.type === 'number' || decl.type === 'boolean') && !/^\s*\$\{\{[\s\S]*\}\}\s*$/.test(value) ? KIND_WORDS[decl.type] : undefined;
  }
  switch (decl.type) {
    case 'video':
    case 'image':
      return typeof value === 'string' && value.trim() !== '' ? undefined : mediaWords(decl.type);
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value === decl.type ? undefined : KIND_WORDS[decl.type];
    case 'list':
      return Array.isArray(value) ? undefined : KIND_WORDS.list;
    case 'table':
      return typeof value === 'string' ? undefined : 'the path of a table file (CSV, JSONL or YAML)';
    default:
      return undefined; // the declaration itself is in error
  }
}

/** The input types that are one value (not a list or a table), which a reference can be checked against. */
const VALUE_KINDS: readonly string[] = ['video', 'image', 'string', 'number', 'boolean'] satisfies ValueKind[];

function isValueKind(type: InputDecl['type'] | undefined): type is ValueKind {
  return VALUE_KINDS.includes(type as string);
}

const kindsCache = new WeakMap<Recipe, Record<string, ValueKind | undefined>>();

/** A recipe's outputs and their kinds: the kind of the step output or input each names (undefined when not one value). */
export function outputKinds(recipe: Recipe): Record<string, ValueKind | undefined> {
  let kinds = kindsCache.get(recipe);
  if (kinds) return kinds;
  kinds = {};
  for (const [name, site] of Object.entries(recipe.outputs)) {
    const { ref } = site;
    if (ref.context === 'inputs') {
      const type = recipe.inputs[ref.name]?.type;
      kinds[name] = isValueKind(type) ? type : undefined;
    } else if (ref.context === 'steps') {
      const step = recipe.steps.get(ref.step);
      kinds[name] = !step ? undefined : isSubRecipe(step) ? outputKinds(step.recipe)[ref.output] : step.model.outputs[ref.output];
    } else {
      kinds[name] = undefined;
    }
  }
  kindsCache.set(recipe, kinds);
  return kinds;
}

/** The text of a load's recipe and of every sub-recipe it read, by file name, for printing their lines. */
export function sourceTexts(result: Pick<LoadResult, 'source' | 'sources'>): Map<string, string> {
  const texts = new Map<string, string>();
  if (result.source) texts.set(result.source.file, result.source.text);
  for (const [file, source] of result.sources ?? []) texts.set(file, source.text);
  return texts;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
