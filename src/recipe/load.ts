import { basename, dirname, extname, resolve } from 'node:path';
import { MODEL_IDS, findModel } from '../models/catalog.js';
import type { RuleName } from '../models/diagnostic-rules.js';
import { BACKENDS, type AnyModel, type Backend } from '../models/types.js';
import { findCycles, type Dependency } from './dependencies.js';
import { parseDuration } from './duration.js';
import { ruleView } from './expression.js';
import { MAX_ALIAS_COUNT, aliasLimitDiagnostic } from './alias-limit.js';
import { capPerFile } from './cap.js';
import { UntrustedReadError, readUntrustedText } from './read-untrusted.js';
import { checkInputs } from './inputs.js';
import { isMap, type Raw } from './map.js';
import { batchFields, readBatch, type StepBatch } from './matrix.js';
import { checkOutputs, unusedOutputs } from './outputs.js';
import { checkRecipeName, defaultRecipeName } from './recipe-name.js';
import { checkReferences, collectExpressions, type Scope } from './references.js';
import { STEP_ID_PATTERN } from './schema.js';
import { RecipeSource } from './source.js';
import { StructureChecker } from './structure.js';
import { SubRecipeLoader, checkSubRecipeStep, isRecipePath, recipePathHint, rootIncludeContext, type IncludeContext, type SubRecipe } from './sub-recipe.js';
import { syntaxDiagnostics } from './syntax.js';
import { didYouMean } from './suggest.js';
import { describe } from './words.js';
import type { Diagnostic, LoadResult, Recipe, RecipeStep, ReferenceSite, Step, SubRecipeStep } from './types.js';

export interface LoadOptions {
  /** Source text, when it is not to be read from `file` (editors, tests). */
  text?: string;
  /** Reuse compiled validators across many recipes. */
  checker?: StructureChecker;
  /** False when the caller adds problems of its own and caps the whole list (plan, run). */
  cap?: boolean;
  /** Set when this recipe is loaded as another's sub-recipe: the files above it, and those already read. */
  include?: IncludeContext;
}

const STEP_ID = new RegExp(STEP_ID_PATTERN);

/**
 * Reads a recipe and reports everything wrong with it in one pass: YAML syntax, structure, unknown
 * models and parameters, cross-field rules, expressions, references and their types, and cycles.
 * A recipe is returned only when there is no error.
 */
export function loadRecipe(file: string, options: LoadOptions = {}): LoadResult {
  let text = options.text;
  if (text === undefined) {
    try {
      text = readUntrustedText(file, 'recipe');
    } catch (error) {
      const reason = error instanceof UntrustedReadError ? error.message : (error as Error).message;
      return { diagnostics: [fileDiagnostic(file, `cannot read recipe: ${reason}`)] };
    }
  }
  let source: RecipeSource | undefined;
  try {
    source = new RecipeSource(file, text);
    const checker = options.checker ?? new StructureChecker();
    const include = options.include ?? rootIncludeContext(file);
    const result = new RecipeChecker(source, checker, new SubRecipeLoader(source, include, { checker }, loadRecipe)).run();
    if (!options.include && include.sources.size) result.sources = include.sources;
    return options.cap === false ? result : { ...result, ...capPerFile(result.diagnostics) };
  } catch (error) {
    // A flaw of ours must not read as the user's mistake, nor end the check of other files.
    return { diagnostics: [unexpected(file, error)], source };
  }
}

/** What could not be checked, as an error of that file (the stack only with VIDRECIPE_DEBUG). */
export function unexpected(file: string, error: unknown): Diagnostic {
  const reason = error instanceof Error ? error.message : String(error);
  const debug = process.env.VIDRECIPE_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
  return fileDiagnostic(file, `vidrecipe could not finish checking this file: ${reason}. This is a flaw in vidrecipe, not in the recipe; please report it with the file${debug}`, 'internal');
}

function fileDiagnostic(file: string, message: string, rule: RuleName = 'file'): Diagnostic {
  return { file, line: 1, col: 1, endLine: 1, endCol: 1, severity: 'error', rule, message, path: '' };
}

class RecipeChecker {
  private readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly source: RecipeSource,
    private readonly structure: StructureChecker,
    private readonly subRecipes: SubRecipeLoader,
  ) {}

  run(): LoadResult {
    const { source } = this;
    const syntax = syntaxDiagnostics(source);
    this.diagnostics.push(...syntax);
    // Past a real syntax error the tree is a guess; duplicate keys still leave a sound tree.
    if (syntax.some((d) => d.severity === 'error' && d.rule !== 'duplicate-key' && d.rule !== 'reserved-name')) return this.result();

    let data: unknown;
    try {
      data = source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const aliases = /alias count/i.test((error as Error).message);
      this.diagnostics.push(aliases ? aliasLimitDiagnostic(source, source.doc) : source.error([], 'yaml-syntax', (error as Error).message));
      return this.result();
    }
    if (!isMap(data)) {
      this.diagnostics.push(source.error([], 'type', `a recipe is a YAML map with version, steps and optionally name, inputs and outputs; got ${describe(data)}`));
      return this.result();
    }

    this.diagnostics.push(...this.structure.checkRecipe(data, source));
    const badName = checkRecipeName(data.name, source);
    if (badName) this.diagnostics.push(badName);
    const inputs = checkInputs(data.inputs, source, this.diagnostics);
    const rawSteps = isMap(data.steps) ? data.steps : {};
    // Every step's matrix first: a reference to a later step pairs against its axes.
    const batches = new Map<string, StepBatch>();
    for (const [id, raw] of Object.entries(rawSteps)) if (isMap(raw)) batches.set(id, readBatch(id, raw, inputs, source, this.diagnostics));
    const matrices = new Map([...batches].flatMap(([id, b]) => (b.matrix ? [[id, b.matrix] as const] : [])));
    const models = this.models(rawSteps);
    const subs = this.subRecipeSteps(rawSteps);
    const scope: Scope = { inputs, steps: new Map([...models].map(([id, model]) => [id, subs.has(id) ? subs.get(id)?.outputs : model])), matrices };
    const steps = new Map<string, RecipeStep>();
    const deps: Dependency[] = [];
    for (const [id, raw] of Object.entries(rawSteps)) {
      const step = subs.has(id) ? this.subRecipeStep(id, raw, subs.get(id), scope, deps) : this.step(id, raw, models.get(id), scope, deps);
      if (step) steps.set(id, { ...step, ...batchFields(batches.get(id)) });
    }
    const outputs = checkOutputs(data.outputs, scope, source, this.diagnostics);
    this.cycles([...Object.keys(rawSteps)], deps);
    if (isMap(data.outputs)) this.diagnostics.push(...unusedOutputs(steps, outputs, source));

    if (this.diagnostics.some((d) => d.severity === 'error')) return this.result();
    const name = typeof data.name === 'string' ? data.name : defaultRecipeName(basename(source.file, extname(source.file)));
    const recipe: Recipe = {
      file: source.file,
      dir: dirname(resolve(source.file)),
      version: 1,
      name,
      description: typeof data.description === 'string' ? data.description : undefined,
      inputs,
      steps,
      outputs,
    };
    return { recipe, diagnostics: this.sorted(), source };
  }

  private result(): LoadResult {
    return { diagnostics: this.sorted(), source: this.source };
  }

  /** This file's problems in source order, then those of the sub-recipes it was the first to include. */
  private sorted(): Diagnostic[] {
    return [...this.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col), ...this.subRecipes.included];
  }

  /** Step id → model, reporting bad ids and unknown models once, before anything refers to them. */
  private models(rawSteps: Raw): Map<string, AnyModel | undefined> {
    const models = new Map<string, AnyModel | undefined>();
    for (const [id, raw] of Object.entries(rawSteps)) {
      if (!STEP_ID.test(id)) {
        const fixed = id.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
        // Suggest only a one-to-one rewrite (case, spaces, dots); "2nd-pass" has no obvious fix.
        const hint = STEP_ID.test(fixed) ? `; e.g. "${fixed}"` : '';
        this.diagnostics.push(
          this.source.error(['steps', id], 'step-id', `step id "${id}" must start with a lowercase letter and use only a-z, 0-9, _ and -${hint}`, { key: true }),
        );
      }
      const uses = isMap(raw) ? raw.uses : undefined;
      const model = typeof uses === 'string' ? findModel(uses) : undefined;
      if (typeof uses === 'string' && !model && !isRecipePath(uses)) {
        // "trim" or "video_outpainting" name a model by its last part; match that before edit distance.
        const tail = MODEL_IDS.filter((m) => m.endsWith(`/${uses}`) || m.split('/').pop()!.includes(uses));
        const hint = recipePathHint(uses) || (tail.length === 1 ? `; did you mean "${tail[0]}"?` : didYouMean(uses, MODEL_IDS)) || '; run `vidrecipe models` to list the catalog';
        this.diagnostics.push(this.source.error(['steps', id, 'uses'], 'unknown-model', `unknown model "${uses}"${hint}`));
      }
      models.set(id, model);
    }
    return models;
  }

  /** Steps whose `uses` names another recipe → that recipe, loaded (undefined when it cannot be used). */
  private subRecipeSteps(rawSteps: Raw): Map<string, SubRecipe | undefined> {
    const subs = new Map<string, SubRecipe | undefined>();
    for (const [id, raw] of Object.entries(rawSteps)) {
      const uses = isMap(raw) ? raw.uses : undefined;
      if (typeof uses === 'string' && isRecipePath(uses)) subs.set(id, this.subRecipes.include(id, uses, this.diagnostics));
    }
    return subs;
  }

  private subRecipeStep(id: string, raw: unknown, sub: SubRecipe | undefined, scope: Scope, deps: Dependency[]): SubRecipeStep | undefined {
    if (!isMap(raw)) return undefined;
    // A sub-recipe that cannot be used has said why at its `uses`; its `with` cannot be judged.
    const refs = sub ? checkSubRecipeStep(id, raw, sub, scope, this.source, this.diagnostics) : [];
    const needs = this.dependencies(id, raw, refs, scope, deps);
    if (!sub) return undefined;
    return { id, uses: sub.uses, file: this.source.file, failFast: false, with: isMap(raw.with) ? raw.with : {}, needs, refs, recipe: sub.recipe, source: sub.source };
  }

  private step(id: string, raw: unknown, model: AnyModel | undefined, scope: Scope, deps: Dependency[]): Step | undefined {
    if (!isMap(raw)) return undefined;
    const at = ['steps', id];
    const params = isMap(raw.with) ? raw.with : raw.with === undefined ? {} : undefined;
    let refs: ReferenceSite[] = [];
    if (model && params) {
      this.diagnostics.push(...this.structure.checkParams(model, params, [...at, 'with'], this.source));
      for (const issue of model.rules.flatMap((rule) => rule.check(ruleView(params)))) {
        // A rule about the map as a whole ("give one of …") points at the `with:` key.
        this.diagnostics.push(this.source.at([...at, 'with', ...issue.path], issue.severity ?? 'error', issue.rule, issue.message, { key: issue.path.length === 0 }));
      }
      const found = checkReferences(collectExpressions(params, [...at, 'with'], this.source), scope, this.source, { self: id, model, depth: 3 });
      this.diagnostics.push(...found.diagnostics);
      refs = found.sites;
    }
    const needs = this.dependencies(id, raw, refs, scope, deps);
    const backend = BACKENDS.includes(raw.backend as Backend) ? (raw.backend as Backend) : undefined;
    if (model && params && backend) this.checkBackend(id, model, backend, params);
    // The schema has already rejected a timeout that is neither text nor a number.
    const timeoutMs = typeof raw.timeout === 'string' || typeof raw.timeout === 'number' ? parseDuration(raw.timeout) : undefined;
    if (timeoutMs === 0) this.diagnostics.push(this.source.error([...at, 'timeout'], 'range', 'timeout must be longer than 0; remove it to wait as long as the provider takes'));
    if (!model || !params) return undefined;
    return {
      id,
      uses: model.id,
      model,
      file: this.source.file,
      failFast: false,
      with: params,
      needs,
      timeoutMs,
      retries: typeof raw.retries === 'number' ? raw.retries : 0,
      cache: raw.cache !== false,
      backend,
      refs,
    };
  }

  /** What step `id` waits for, by reference and by `needs`; returns its checked `needs`. */
  private dependencies(id: string, raw: Raw, refs: readonly ReferenceSite[], scope: Scope, deps: Dependency[]): string[] {
    for (const site of refs) {
      if (site.ref.context === 'steps' && site.ref.step !== id) deps.push({ step: id, on: site.ref.step, via: 'reference', at: site.at });
    }
    const needs = this.needs(id, raw.needs, scope);
    for (const [i, on] of needs.entries()) deps.push({ step: id, on, via: 'needs', at: ['steps', id, 'needs', ...(Array.isArray(raw.needs) ? [i] : [])] });
    return needs;
  }

  private needs(id: string, raw: unknown, scope: Scope): string[] {
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((n): n is string => typeof n === 'string') : [];
    const ok: string[] = [];
    for (const [i, name] of list.entries()) {
      const at = ['steps', id, 'needs', ...(Array.isArray(raw) ? [i] : [])];
      if (!STEP_ID.test(name)) {
        continue; // not a step id at all: the schema check has said so
      } else if (name === id) {
        this.diagnostics.push(this.source.error(at, 'cycle', `step "${id}" cannot need itself`));
      } else if (!scope.steps.has(name)) {
        this.diagnostics.push(this.source.error(at, 'reference', `needs names unknown step "${name}"${didYouMean(name, scope.steps.keys())}`));
      } else {
        ok.push(name);
      }
    }
    return ok;
  }

  private checkBackend(id: string, model: AnyModel, backend: Backend, params: Raw): void {
    const at = ['steps', id, 'backend'];
    if (backend === model.provider) return;
    if (backend === 'local' && model.local) {
      const why = model.local.refuse?.(ruleView(params));
      if (why) this.diagnostics.push(this.source.error(at, 'backend', `step "${id}" cannot run locally: ${why}`));
      return;
    }
    const can = model.local ? `${model.provider} or local` : model.provider;
    const why = backend === 'local' ? `${model.id} has no local implementation` : `${model.id} is not hosted on ${backend}`;
    this.diagnostics.push(this.source.error(at, 'backend', `${why}; it runs on ${can}`));
  }

  private cycles(order: string[], deps: Dependency[]): void {
    for (const { cycle, closing } of findCycles(order, deps)) {
      const how = closing.via === 'needs' ? 'needs' : 'uses the output of';
      this.diagnostics.push(
        this.source.error(closing.at, 'cycle', `dependency cycle: ${cycle.join(' → ')} (each step waits for the next; "${closing.step}" ${how} "${closing.on}" here)`),
      );
    }
  }
}
