import type { AnyModel, ValueKind } from '../models/types.js';
import { findExpressions, formatReference, wholeExpression } from './expression.js';
import { slotKind } from './schema.js';
import { acceptsKind, slotValues, slotWords } from './slots.js';
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

/** Kind of the value a reference yields, or a diagnostic when it does not resolve. */
function resolve(o: Occurrence, scope: Scope, source: RecipeSource, self?: string): ValueKind | Diagnostic | undefined {
  const ref = o.ref!;
  const span = { span: o.span };
  if (ref.context === 'inputs') {
    // Own names only: `inputs.constructor` must not find Object.prototype's.
    const input = Object.hasOwn(scope.inputs, ref.name) ? scope.inputs[ref.name] : undefined;
    // undefined when the declaration's type is itself in error. Lists and tables feed a matrix (issue 11: not yet typed here).
    if (input) return input.type === 'list' || input.type === 'table' ? undefined : input.type;
    const names = Object.keys(scope.inputs);
    const hint = didYouMean(ref.name, names) || (names.length ? `; declared inputs: ${names.join(', ')}` : '; declare it under inputs:');
    return source.error(o.at, 'reference', `unknown input "${ref.name}"${hint}`, span);
  }
  if (ref.context === 'matrix') return undefined; // typed by the matrix checker
  if (ref.step === self) {
    return source.error(o.at, 'cycle', `step "${self}" cannot use its own output`, span);
  }
  if (!scope.steps.has(ref.step)) {
    return source.error(o.at, 'reference', `unknown step "${ref.step}"${didYouMean(ref.step, scope.steps.keys())}`, span);
  }
  const model = scope.steps.get(ref.step);
  if (!model) return undefined;
  if (Object.hasOwn(model.outputs, ref.output)) return model.outputs[ref.output];
  const outputs = Object.keys(model.outputs);
  const listed = outputs.length ? `; its outputs: ${outputs.join(', ')}` : `; it has no outputs (a recipe declares them under outputs:)`;
  return source.error(o.at, 'reference', `step "${ref.step}" (${model.id}) has no output "${ref.output}"${didYouMean(ref.output, outputs) || listed}`, span);
}


/** Can a value of kind `from` fill a slot that wants `to`? */
function fits(from: ValueKind, to: ValueKind | 'list'): boolean {
  if (from === to) return true;
  // Numbers and flags read fine as text (prompts, labels); media never do.
  return to === 'string' && (from === 'number' || from === 'boolean');
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
export function checkReferences(
  occurrences: Occurrence[],
  scope: Scope,
  source: RecipeSource,
  target: { self?: string; model?: AnyModel; depth?: number; slotKind?: (rel: readonly (string | number)[]) => ValueKind | undefined },
): ResolvedSites {
  const diagnostics: Diagnostic[] = [];
  const sites: ReferenceSite[] = [];
  for (const o of occurrences) {
    if (o.error || !o.ref) {
      diagnostics.push(source.error(o.at, 'expression', o.error ?? 'invalid expression', { span: o.span }));
      continue;
    }
    const kind = resolve(o, scope, source, target.self);
    if (kind && typeof kind === 'object') {
      diagnostics.push(kind);
      continue;
    }
    sites.push({ ref: o.ref, at: [...o.at], whole: o.whole });
    if (!kind) continue;
    const label = formatReference(o.ref);
    if (!o.whole) {
      if (kind === 'video' || kind === 'image') {
        diagnostics.push(
          source.error(o.at, 'reference-type', `${label} is ${KIND_WORDS[kind]} and cannot be interpolated into text; make the expression the whole value`, { span: o.span }),
        );
      }
      continue;
    }
    const rel = o.at.slice(target.depth ?? 0);
    const want = target.model ? slotKind(target.model, rel) : target.slotKind?.(rel);
    if (!want) continue;
    // A slot of scalars may be a union (`at`: "first", "last" or seconds): judged by all it takes.
    const values = target.model && want !== 'video' && want !== 'image' && want !== 'list' ? slotValues(target.model, rel) : undefined;
    if (values ? acceptsKind(values, kind) : fits(kind, want)) continue;
    const slot = rel.length === 2 ? `${String(rel[0])}[${String(rel[1])}]` : String(rel[0]);
    const needs = values ? slotWords(values) : KIND_WORDS[want];
    diagnostics.push(source.error(o.at, 'reference-type', `${slot} needs ${needs}, but ${label} is ${KIND_WORDS[kind]}`, { span: o.span }));
  }
  return { sites, diagnostics };
}
