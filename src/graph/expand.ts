import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import type { ValueKind } from '../models/types.js';
import { formatReference, substitute } from '../recipe/expression.js';
import type { RecipeSource } from '../recipe/source.js';
import { isSubRecipe, type AxisSource, type Diagnostic, type InputDecl, type Recipe, type RecipeStep, type Reference, type Scalar, type Step } from '../recipe/types.js';
import { bindParams, OutputSlot, slotsIn, type Bound } from './bind.js';
import { buildDag } from './dag.js';
import { expandMatrix, fileLabel, labelled, legSuffix, rowLabel, type Combo, type ReadAxis } from './matrix-legs.js';
import { readTable, type Row } from './table-file.js';

/** One leg as the expansion makes it; the plan adds where it runs, its cache status and its cost. */
export interface ExpandedLeg {
  /** The leg id: `remove`; `remove[shot=a,look=dawn]` for a matrix leg; `tidy/remove` inside a sub-recipe. */
  id: string;
  /** The recipe step it is a leg of: `remove`, or `tidy/remove` inside a sub-recipe. */
  step: string;
  /** Axis → label of this leg's value, for a matrix leg (with the values of an enclosing sub-recipe leg). */
  matrix?: Record<string, string>;
  /** The declaration it runs: model, parameters as written, options, the file it is written in. */
  spec: Step;
  /**
   * Its parameters with every expression bound: values known now inline, an upstream leg's output as an
   * {@link OutputSlot}, a fan-in as a list of them in matrix order.
   */
  with: Record<string, unknown>;
  /** The recipe file it is written in, for diagnostics about it. */
  source: RecipeSource;
  /** Legs it waits for: those whose outputs it reads, and those of the steps in `needs`. */
  needs: string[];
}

/** A recipe step and its legs, in plan order. */
export interface LegGroup {
  step: string;
  legs: string[];
  maxParallel?: number;
  failFast: boolean;
}

/** Where a recipe output comes from: one leg's output per matrix leg (with the folder naming it), or a value. */
export type OutputSource =
  | { kind: ValueKind; legs: { leg: string; output: string; matrix?: Record<string, string> }[] }
  | { kind: ValueKind; value: Scalar };

export interface Expansion {
  legs: ExpandedLeg[];
  groups: LegGroup[];
  outputs: Record<string, OutputSource>;
  diagnostics: Diagnostic[];
  /** Texts of the table files read, so diagnostics at their lines can quote them. */
  sources: Map<string, string>;
  /**
   * Media files named in the cells of a table given with --input: the user's own choice, as a file given
   * with --input is, so the work-tree rule for files a recipe names does not hold them back.
   */
  userFiles: Set<string>;
}

/** What a step of a recipe became: its legs, and the axes that pair a reader's legs with them. */
interface Produced {
  /** The axes of its matrix; undefined for a step without one (a single leg). */
  axes?: string[];
  legs: { combo: Combo; output: (name: string) => Bound; ids: string[] }[];
  /** Pair key (the labels on `axes`) → index in `legs`. */
  index: Map<string, number>;
}

interface Scope {
  recipe: Recipe;
  source: RecipeSource;
  inputs: Record<string, Bound>;
  /** Leg id prefix (`tidy[shot=a]/`) and step path prefix (`tidy/`) inside a sub-recipe. */
  legPrefix: string;
  stepPrefix: string;
  /** Values of the enclosing sub-recipe step's leg, shown with each inner leg. */
  outer: Record<string, string>;
  inherited: { maxParallel?: number; failFast: boolean };
}

export interface ExpandOptions {
  cwd?: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Turns a valid recipe and its input values into legs: each matrix step into one leg per combination of
 * its axes (read now: list inputs, table rows, globbed files), each sub-recipe step into the other
 * recipe's legs, and every reference into what it stands for in each leg — a value, the output of the
 * paired leg, or the outputs of all legs of a matrix step in matrix order. Built once; nothing downstream
 * edits it.
 */
export function expandRecipe(recipe: Recipe, source: RecipeSource, inputs: Readonly<Record<string, Bound>>, options: ExpandOptions = {}): Expansion {
  return new Expander(options).run(recipe, source, inputs);
}

class Expander {
  private readonly legs: ExpandedLeg[] = [];
  private readonly groups = new Map<string, LegGroup>();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly sources = new Map<string, string>();
  private readonly tables = new Map<string, Row[]>();
  private readonly userFiles = new Set<string>();
  private readonly said = new Set<string>();

  constructor(private readonly options: ExpandOptions) {}

  run(recipe: Recipe, source: RecipeSource, inputs: Readonly<Record<string, Bound>>): Expansion {
    const scope: Scope = { recipe, source, inputs: this.withTables(recipe, source, inputs, recipe.dir, true), legPrefix: '', stepPrefix: '', outer: {}, inherited: { failFast: false } };
    const produced = this.expand(scope);
    const outputs: Record<string, OutputSource> = {};
    for (const [name, site] of Object.entries(recipe.outputs)) {
      const found = outputSource(site.ref, scope, produced, recipe);
      if (found) outputs[name] = found;
    }
    return { legs: this.legs, groups: [...this.groups.values()], outputs, diagnostics: this.diagnostics, sources: this.sources, userFiles: this.userFiles };
  }

  private expand(scope: Scope): Map<string, Produced> {
    const produced = new Map<string, Produced>();
    for (const id of buildDag(scope.recipe).order) {
      const step = scope.recipe.steps.get(id)!;
      const combos = this.combos(step, scope);
      const entry: Produced = { axes: step.matrix ? Object.keys(step.matrix.axes) : undefined, legs: [], index: new Map() };
      for (const combo of combos) {
        const legId = `${scope.legPrefix}${id}${legSuffix(combo)}`;
        const lookup = (ref: Reference) => this.lookup(ref, combo, scope, produced, step, legId);
        const needs = step.needs.flatMap((on) => this.neededLegs(produced.get(on)!, combo));
        let leg: Produced['legs'][number];
        if (isSubRecipe(step)) {
          leg = this.subRecipe(step, scope, combo, legId, lookup, needs);
        } else {
          const params = bindParams(step, lookup);
          const reads = slotsIn(params).map((s) => s.leg);
          this.legs.push({
            id: legId,
            step: `${scope.stepPrefix}${id}`,
            matrix: step.matrix || Object.keys(scope.outer).length ? { ...scope.outer, ...labels(combo) } : undefined,
            spec: step,
            with: params,
            source: scope.source,
            needs: [...new Set([...reads, ...needs])],
          });
          this.group(`${scope.stepPrefix}${id}`, legId, step, scope);
          leg = { combo, output: (name) => new OutputSlot(legId, name), ids: [legId] };
        }
        if (entry.axes) entry.index.set(pairKey(entry.axes, combo), entry.legs.length);
        entry.legs.push(leg);
      }
      produced.set(id, entry);
    }
    return produced;
  }

  /** A sub-recipe step's leg: the other recipe expanded with this leg's values as its inputs. */
  private subRecipe(step: Extract<RecipeStep, { recipe: Recipe }>, scope: Scope, combo: Combo, legId: string, lookup: (ref: Reference) => Bound, needs: string[]): Produced['legs'][number] {
    const child = step.recipe;
    const base = dirname(resolve(step.file));
    const inputs: Record<string, Bound> = {};
    for (const [name, decl] of Object.entries(child.inputs)) {
      if (Object.hasOwn(step.with, name)) {
        const value = substitute(step.with[name], lookup, (ref) => {
          const v = lookup(ref);
          return v === undefined || typeof v === 'object' ? undefined : String(v);
        });
        // A path written in this recipe is relative to it, not to the recipe it fills.
        inputs[name] = absolutePaths(value, decl, base);
      } else if (decl.default !== undefined) inputs[name] = decl.default;
    }
    const childScope: Scope = {
      recipe: child,
      source: step.source,
      inputs: this.withTables(child, step.source, inputs, child.dir, false),
      legPrefix: `${legId}/`,
      stepPrefix: `${scope.stepPrefix}${step.id}/`,
      outer: { ...scope.outer, ...labels(combo) },
      inherited: { maxParallel: step.maxParallel ?? scope.inherited.maxParallel, failFast: step.failFast || scope.inherited.failFast },
    };
    const first = this.legs.length;
    const inner = this.expand(childScope);
    const ids = this.legs.slice(first).map((l) => l.id);
    // `needs` of the sub-recipe step hold back every leg inside it.
    if (needs.length) for (const leg of this.legs.slice(first)) leg.needs = [...new Set([...leg.needs, ...needs])];
    return { combo, ids, output: (name) => {
      const site = child.outputs[name];
      return site ? boundOf(site.ref, childScope, inner) : undefined;
    } };
  }

  private group(step: string, leg: string, spec: Step, scope: Scope): void {
    const group = this.groups.get(step);
    if (group) group.legs.push(leg);
    else this.groups.set(step, { step, legs: [leg], maxParallel: spec.maxParallel ?? scope.inherited.maxParallel, failFast: spec.failFast || scope.inherited.failFast });
  }

  private lookup(ref: Reference, combo: Combo, scope: Scope, produced: Map<string, Produced>, step: RecipeStep, legId: string): Bound {
    if (ref.context === 'inputs') return scope.inputs[ref.name];
    if (ref.context === 'matrix') {
      const value = combo[ref.axis]?.value;
      if (value === undefined) {
        this.once(scope, ['steps', step.id, 'matrix'], `leg ${legId} has no value for "${ref.axis}" (an include entry added it without one); give that entry a "${ref.axis}" or exclude it`);
        return undefined;
      }
      return ref.column ? (value as Row)[ref.column] : value;
    }
    const from = produced.get(ref.step)!;
    if (!from.axes) return from.legs[0]?.output(ref.output);
    if (!step.matrix) return from.legs.map((l) => l.output(ref.output)).flat();
    const found = from.index.get(pairKey(from.axes, combo));
    if (found === undefined) {
      this.once(scope, ['steps', step.id, 'matrix'], `leg ${legId} reads ${formatReference(ref)}, but "${ref.step}" has no leg with ${from.axes.map((a) => `${a}=${combo[a]?.label ?? '?'}`).join(',')} (its exclude or include differ); give both steps the same include and exclude`);
      return undefined;
    }
    return from.legs[found]!.output(ref.output);
  }

  /** The legs a `needs` entry holds this leg back for: the paired one when the axes pair, else all. */
  private neededLegs(on: Produced, combo: Combo): string[] {
    if (on.axes) {
      const found = on.index.get(pairKey(on.axes, combo));
      if (on.axes.every((a) => combo[a]) && found !== undefined) return on.legs[found]!.ids;
    }
    return on.legs.flatMap((l) => l.ids);
  }

  private combos(step: RecipeStep, scope: Scope): Combo[] {
    if (!step.matrix) return [{}];
    const axes: ReadAxis[] = [];
    for (const [name, axis] of Object.entries(step.matrix.axes)) {
      const values = this.axisValues(axis, step, scope, name);
      if (!values.length) return [];
      axes.push({ name, values });
    }
    return expandMatrix(step.matrix, axes);
  }

  private axisValues(axis: AxisSource, step: RecipeStep, scope: Scope, name: string): ReadAxis['values'] {
    const at = ['steps', step.id, 'matrix', name];
    switch (axis.from) {
      case 'list':
        return labelled(axis.values, (v) => String(v));
      case 'files': {
        const cwd = dirname(resolve(step.file));
        const files = globSync(axis.glob, { cwd, absolute: true, onlyFiles: true, dot: false }).sort();
        if (!files.length) this.diagnostics.push(scope.source.error(at, 'matrix-values', `files('${axis.glob}') matches no file under ${shown(cwd, this.options.cwd)}; check the pattern (it is relative to the recipe) or add the files`));
        return labelled(files, (f) => fileLabel(String(f)));
      }
      case 'input': {
        const value = scope.inputs[axis.input];
        const decl = scope.recipe.inputs[axis.input]!;
        const items = Array.isArray(value) ? (value as (Scalar | Row)[]) : [];
        if (!items.length && !this.said.has(`${scope.source.file}:${axis.input}`)) {
          this.diagnostics.push(scope.source.error(at, 'matrix-values', `input "${axis.input}" has no ${decl.type === 'table' ? 'rows' : 'items'}, so "${step.id}" would have no legs; give it at least one`));
        }
        if (decl.type === 'table') {
          const media = Object.entries(decl.columns ?? {}).filter(([, k]) => k === 'video' || k === 'image').map(([c]) => c);
          return labelled(items, (row) => rowLabel(row as Row, media));
        }
        return labelled(items, (v) => (decl.of === 'video' || decl.of === 'image' ? fileLabel(String(v)) : String(v)));
      }
    }
  }

  /**
   * A scope's table inputs read into their rows (each file once). `top`: the recipe run, whose input values
   * other than the defaults came from the command line.
   */
  private withTables(recipe: Recipe, source: RecipeSource, inputs: Readonly<Record<string, Bound>>, dir: string, top: boolean): Record<string, Bound> {
    const out: Record<string, Bound> = { ...inputs };
    for (const [name, decl] of Object.entries(recipe.inputs)) {
      if (decl.type !== 'table' || typeof out[name] !== 'string') continue;
      const fromUser = top && out[name] !== decl.default;
      const file = resolve(dir, out[name] as string);
      let rows = this.tables.get(file);
      if (!rows) {
        const table = readTable(file, shown(file, this.options.cwd), decl.columns ?? {});
        this.sources.set(table.file, table.text);
        this.diagnostics.push(...table.diagnostics);
        this.said.add(`${source.file}:${name}`);
        rows = table.diagnostics.length ? [] : table.rows;
        this.tables.set(file, rows);
      }
      if (fromUser) {
        const media = Object.entries(decl.columns ?? {}).filter(([, kind]) => kind === 'video' || kind === 'image');
        for (const row of rows) for (const [column] of media) if (typeof row[column] === 'string') this.userFiles.add(row[column]);
      }
      out[name] = rows;
    }
    return out;
  }

  private once(scope: Scope, at: (string | number)[], message: string): void {
    const key = `${scope.source.file}:${at.join('.')}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    this.diagnostics.push(scope.source.error(at, 'matrix-values', message));
  }
}

function labels(combo: Combo): Record<string, string> {
  return Object.fromEntries(Object.entries(combo).map(([k, v]) => [k, v.label]));
}

function pairKey(axes: readonly string[], combo: Combo): string {
  return axes.map((a) => combo[a]?.label ?? '').join('\u0000');
}

/** What a reference in a recipe's `outputs:` (or a sub-recipe's) stands for, across the legs of its step. */
function boundOf(ref: Reference, scope: Scope, produced: Map<string, Produced>): Bound {
  if (ref.context === 'inputs') return scope.inputs[ref.name];
  if (ref.context === 'matrix') return undefined;
  const from = produced.get(ref.step)!;
  return from.axes ? from.legs.map((l) => l.output(ref.output)).flat() : from.legs[0]?.output(ref.output);
}

function outputSource(ref: Reference, scope: Scope, produced: Map<string, Produced>, recipe: Recipe): OutputSource | undefined {
  if (ref.context === 'matrix') return undefined;
  if (ref.context === 'inputs') {
    const value = scope.inputs[ref.name];
    const kind = recipe.inputs[ref.name]?.type;
    return typeof value === 'string' && (kind === 'video' || kind === 'image') ? { kind, value } : undefined;
  }
  const from = produced.get(ref.step)!;
  const kind = outputKind(recipe, ref);
  const legs: { leg: string; output: string; matrix?: Record<string, string> }[] = [];
  for (const leg of from.legs) {
    const bound = [leg.output(ref.output)].flat();
    for (const slot of bound) if (slot instanceof OutputSlot) legs.push({ leg: slot.leg, output: slot.output, ...(from.axes ? { matrix: labels(leg.combo) } : {}) });
  }
  return { kind, legs };
}

/** The kind a step's output has, through sub-recipes to the step or input that makes it. */
function outputKind(recipe: Recipe, ref: Reference): ValueKind {
  if (ref.context === 'inputs') {
    const type = recipe.inputs[ref.name]?.type;
    return type === 'list' || type === 'table' || !type ? 'string' : type;
  }
  if (ref.context === 'matrix') return 'string';
  const step = recipe.steps.get(ref.step)!;
  if (!isSubRecipe(step)) return step.model.outputs[ref.output] ?? 'video';
  const site = step.recipe.outputs[ref.output];
  return site ? outputKind(step.recipe, site.ref) : 'video';
}

/** Media values given to a sub-recipe's input, made absolute against the recipe that wrote them. */
function absolutePaths(value: Bound, decl: InputDecl, base: string): Bound {
  const media = decl.type === 'video' || decl.type === 'image' || (decl.type === 'list' && (decl.of === 'video' || decl.of === 'image'));
  const fix = (v: unknown): unknown => (media && typeof v === 'string' && v.trim() && !SCHEME.test(v) ? resolve(base, v) : Array.isArray(v) ? v.map(fix) : v);
  return decl.type === 'table' && typeof value === 'string' ? resolve(base, value) : fix(value);
}

/** A path as the user would type it from where they ran vidrecipe. */
function shown(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
