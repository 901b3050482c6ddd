import type { AnyModel, ValueKind } from '../models/types.js';
import { findExpressions, formatReference, wholeExpression } from './expression.js';
import { paramShapes, slotKind } from './schema.js';
import { acceptsKind, slotValues, slotWords } from './slots.js';
import { matrixValue, pair } from './matrix-references.js';
import type { StepMatrix } from './matrix.js';
import type { Path, RecipeSource, Span } from './source.js';
import { didYouMean } from './suggest.js';
import { KIND_WORDS } from './words.js';
import type { Diagnostic, InputDecl, ReferenceSite } from './types.js';

/**
 * What a reference to a step can read: a model's outputs, or a sub-recipe's (`id` is then its path as
 * written in `uses`). An output of unknown kind (undefined) resolves, untyped.
 */
export interface StepOutputs {
  id: string;
  outputs: Readonly<Record<string, ValueKind | undefined>>;
}

/** What the checker knows about the recipe when it resolves references. */
export interface Scope {
  inputs: Readonly<Record<string, InputDecl>>;
  /** Step id → its outputs (undefined for a step whose `uses` is unknown or broken: its outputs are unknowable). */
  steps: ReadonlyMap<string, StepOutputs | undefined>;
  /** Step id → its matrix, for the steps that have one: `matrix.NAME` and pairing are checked against it. */
  matrices?: ReadonlyMap<string, StepMatrix>;
}

/** One expression occurrence with its place in the source, before resolution. */
interface Occurrence {
  at: Path;
  span: Span;
  whole: boolean;
  ref?: ReferenceSite['ref'];
  error?: string;
}

/** Every `${{ }}` in `value` (strings, lists and maps, recursively), with exact source spans. */
export function collectExpressions(value: unknown, at: Path, source: RecipeSource): Occurrence[] {
  if (typeof value === 'string') {
    const matches = findExpressions(value);
    if (matches.length === 0) return [];
    const whole = wholeExpression(value) !== undefined;
    const [nodeStart, nodeEnd] = source.spanOf(at);
    const raw = source.text.slice(nodeStart, nodeEnd);
    let cursor = 0;
    return matches.map((m) => {
      // Find the expression's own text inside the node's source so the caret lands on it, not on the
      // start of the value; escapes in quoted scalars can shift it, so fall back to the whole node.
      const text = value.slice(m.start, m.end);
      const offset = raw.indexOf(text, cursor);
      const span: Span = offset >= 0 ? [nodeStart + offset, nodeStart + offset + text.length] : [nodeStart, nodeEnd];
      if (offset >= 0) cursor = offset + text.length;
      return { at, span, whole, ref: m.ref, error: m.error };
    });
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => collectExpressions(item, [...at, i], source));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => collectExpressions(v, [...at, k], source));
  }
  return [];
}

/**
 * What a reference yields, as far as where it may be used is concerned: one value of `kind`, or many
 * (a list input; the legs of a matrix step read from a step without that matrix).
 */
interface Typed {
  kind: ValueKind;
  /** Text that may also name a file (a literal matrix value, a files() match): fills a video or image too. */
  path?: boolean;
  many?: { input: string } | { legs: string };
}

/** What a reference yields, a diagnostic when it does not resolve, or undefined when that is unknowable. */
function resolve(o: Occurrence, scope: Scope, source: RecipeSource, target: Target): Typed | Diagnostic | undefined {
  const ref = o.ref!;
  const span = { span: o.span };
  const { self } = target;
  if (ref.context === 'inputs') {
    // Own names only: `inputs.constructor` must not find Object.prototype's.
    const input = Object.hasOwn(scope.inputs, ref.name) ? scope.inputs[ref.name] : undefined;
    if (input) {
      // undefined when the declaration's type is itself in error.
      if (input.type === 'table') {
        const columns = input.columns ? Object.keys(input.columns) : [];
        const column = columns[0] ?? 'COLUMN';
        return source.error(
          o.at,
          'reference-type',
          `inputs.${ref.name} is a table, and a table can only be a matrix axis, one leg per row: matrix: { row: \${{ inputs.${ref.name} }} }, then read \${{ matrix.row.${column} }}`,
          span,
        );
      }
      if (input.type === 'list') return input.of && { kind: input.of, many: { input: ref.name } };
      return input.type && { kind: input.type };
    }
    const names = Object.keys(scope.inputs);
    const hint = didYouMean(ref.name, names) || (names.length ? `; declared inputs: ${names.join(', ')}` : '; declare it under inputs:');
    return source.error(o.at, 'reference', `unknown input "${ref.name}"${hint}`, span);
  }
  if (ref.context === 'matrix') {
    if (target.output) {
      return source.error(o.at, 'reference', `a recipe output cannot read ${formatReference(ref)}: matrix values exist only inside a matrix step; name a step output, e.g. \${{ steps.ID.outputs.video }} (a matrix step's output is published per leg)`, span);
    }
    const found = matrixValue(ref, self === undefined ? undefined : scope.matrices?.get(self), self);
    return found && 'rule' in found ? source.error(o.at, found.rule, found.message, span) : found;
  }
  if (ref.step === self) {
    return source.error(o.at, 'cycle', `step "${self}" cannot use its own output`, span);
  }
  if (!scope.steps.has(ref.step)) {
    return source.error(o.at, 'reference', `unknown step "${ref.step}"${didYouMean(ref.step, scope.steps.keys())}`, span);
  }
  const model = scope.steps.get(ref.step);
  if (!model) return undefined;
  const kind = Object.hasOwn(model.outputs, ref.output) ? model.outputs[ref.output] : undefined;
  if (!Object.hasOwn(model.outputs, ref.output)) {
    const outputs = Object.keys(model.outputs);
    const listed = outputs.length ? `; its outputs: ${outputs.join(', ')}` : `; it has no outputs (a recipe declares them under outputs:)`;
    return source.error(o.at, 'reference', `step "${ref.step}" (${model.id}) has no output "${ref.output}"${didYouMean(ref.output, outputs) || listed}`, span);
  }
  // An output of unknown kind (a sub-recipe's broken output) resolves, untyped.
  if (!kind) return undefined;
  // A recipe output takes a matrix step's output as it is: published once per leg.
  if (target.output) return { kind };
  const paired = pair(self, ref.step, scope.matrices);
  if (paired === 'one') return { kind };
  if (paired === 'many') return { kind, many: { legs: ref.step } };
  return source.error(o.at, 'matrix-pairing', `${formatReference(ref)} ${paired}`, span);
}

/** Can a value of kind `from` fill a slot that wants `to`? */
function fits(from: Typed, to: ValueKind | 'list'): boolean {
  if (from.kind === to) return true;
  // A literal matrix value or a files() match is a path: it fills a media slot as one.
  if (from.path && (to === 'video' || to === 'image')) return true;
  // Numbers and flags read fine as text (prompts, labels); media never do.
  return to === 'string' && (from.kind === 'number' || from.kind === 'boolean');
}

/** "a video", "a list of videos", in messages. */
function typedWords(typed: Typed): string {
  const one = typed.path ? 'text (a path)' : KIND_WORDS[typed.kind];
  if (!typed.many) return one;
  const list = `a list of ${pluralWords(typed.kind)}`;
  return 'input' in typed.many ? list : `${list}, one per leg of "${typed.many.legs}"`;
}

/** "videos", "text values". */
function pluralWords(kind: ValueKind): string {
  return kind === 'string' ? 'text values' : kind === 'boolean' ? 'true or false values' : `${kind}s`;
}

/** Where the expressions being checked are written. */
interface Target {
  /** The step whose `with` holds them. */
  self?: string;
  /** Its model: whole references must fit the parameter they fill. */
  model?: AnyModel;
  /** Path depth of the parameter names (`steps.ID.with.NAME`: 3). */
  depth?: number;
  /** Without a model: the kind each parameter takes (a sub-recipe's inputs). */
  slotKind?: (rel: readonly (string | number)[]) => ValueKind | undefined;
  /** The recipe's `outputs:`: one value, or a matrix step's output published per leg. */
  output?: boolean;
}

export interface ResolvedSites {
  sites: ReferenceSite[];
  diagnostics: Diagnostic[];
}

/**
 * Resolves and type-checks the expressions of one value tree. With `model` (or `slotKind`, for a
 * sub-recipe's inputs), the tree is a step's `with` map (at path depth `depth`) and whole references
 * must fit the parameter they fill.
 */
export function checkReferences(occurrences: Occurrence[], scope: Scope, source: RecipeSource, target: Target): ResolvedSites {
  const diagnostics: Diagnostic[] = [];
  const sites: ReferenceSite[] = [];
  for (const o of occurrences) {
    if (o.error || !o.ref) {
      diagnostics.push(source.error(o.at, 'expression', o.error ?? 'invalid expression', { span: o.span }));
      continue;
    }
    const typed = resolve(o, scope, source, target);
    if (typed && 'file' in typed) {
      diagnostics.push(typed);
      continue;
    }
    sites.push({ ref: o.ref, at: [...o.at], whole: o.whole });
    if (!typed) continue;
    const problem = misuse(o, typed, target);
    if (problem) diagnostics.push(source.error(o.at, problem.rule, problem.message, { span: o.span }));
  }
  return { sites, diagnostics };
}

/** Why a resolved reference cannot be used where it is written, or undefined when it can. */
function misuse(o: Occurrence, typed: Typed, target: Target): { rule: 'reference-type' | 'matrix-pairing'; message: string } | undefined {
  const label = formatReference(o.ref!);
  const rule = typed.many && 'legs' in typed.many ? 'matrix-pairing' : 'reference-type';
  if (!o.whole) {
    if (typed.many) return { rule, message: `${label} is ${typedWords(typed)} and cannot be interpolated into text; ${manyFix(typed, label)}` };
    if (typed.kind === 'video' || typed.kind === 'image') {
      return { rule, message: `${label} is ${KIND_WORDS[typed.kind]} and cannot be interpolated into text; make the expression the whole value` };
    }
    return undefined;
  }
  if (target.output) {
    return typed.many ? { rule, message: `a recipe output is one value, but ${label} is ${typedWords(typed)}; name a step output` } : undefined;
  }
  const rel = o.at.slice(target.depth ?? 0);
  const want = target.model ? slotKind(target.model, rel) : target.slotKind?.(rel);
  if (!want) return undefined;
  const slot = rel.length === 2 ? `${String(rel[0])}[${String(rel[1])}]` : String(rel[0]);
  if (want === 'list') {
    // A list fills a list parameter whole, when its items fit the parameter's items.
    const item = target.model && paramShapes(target.model).get(String(rel[0]))?.item;
    if (!typed.many) return { rule, message: `${slot} needs a list, but ${label} is ${typedWords(typed)}` };
    if (!item || fits(typed, item)) return undefined;
    return { rule, message: `${slot} needs a list of ${pluralWords(item)}, but ${label} is ${typedWords(typed)}` };
  }
  if (typed.many) {
    const one = rel.length === 2 ? `one item of ${String(rel[0])}` : `${slot}, which takes one value`;
    const whole = rel.length === 2 ? `; to pass them all, make it the whole value of ${String(rel[0])}` : '';
    return { rule, message: `${label} is ${typedWords(typed)}${typed.many && 'legs' in typed.many ? ',' : ''} and cannot fill ${one}${whole || `; ${manyFix(typed, label)}`}` };
  }
  // A slot of scalars may be a union (`at`: "first", "last" or seconds): judged by all it takes.
  const values = target.model && want !== 'video' && want !== 'image' ? slotValues(target.model, rel) : undefined;
  if (values ? acceptsKind(values, typed.path ? 'string' : typed.kind) : fits(typed, want)) return undefined;
  const needs = values ? slotWords(values) : KIND_WORDS[want];
  return { rule, message: `${slot} needs ${needs}, but ${label} is ${typedWords(typed)}` };
}

/** How to use many values where one is written. */
function manyFix(typed: Typed, label: string): string {
  if (typed.many && 'legs' in typed.many) {
    return `read it from a list parameter such as local/concat's videos, or give this step the same matrix as "${typed.many.legs}" to read one leg at a time`;
  }
  const list = typed.kind === 'video' ? " such as local/concat's videos" : typed.kind === 'string' || typed.kind === 'number' ? " such as local/compare's labels" : '';
  return `make it a matrix axis, matrix: { item: \${{ ${label} }} }, and read \${{ matrix.item }} to run the step once per item, or pass it whole to a list parameter${list}`;
}
