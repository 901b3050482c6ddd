import { resolve } from 'node:path';
import { substitute } from '../recipe/expression.js';
import { mediaKindOf, paramShapes } from '../recipe/schema.js';
import { slotValues, toSlot } from '../recipe/slots.js';
import { RecipeSource } from '../recipe/source.js';
import { didYouMean } from '../recipe/suggest.js';
import type { Diagnostic, InputDecl, Recipe, Reference, Scalar, Step } from '../recipe/types.js';

export type InputValue = Scalar | Scalar[];

export interface ResolvedInputs {
  values: Record<string, InputValue>;
  /** Problems with `--input` arguments (no file position: they come from the command line). */
  usage: string[];
  /** Inputs without a default that the command line did not set. */
  diagnostics: Diagnostic[];
}

/**
 * Recipe inputs after `--input NAME=VALUE` overrides. Values are typed by the declaration; a media
 * path given on the command line is relative to the working directory, so it is made absolute here,
 * while a default stays relative to the recipe.
 */
export function resolveInputs(recipe: Recipe, overrides: readonly string[], source: RecipeSource, cwd = process.cwd()): ResolvedInputs {
  const values: Record<string, InputValue> = {};
  const usage: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [name, decl] of Object.entries(recipe.inputs)) {
    if (decl.default !== undefined) values[name] = decl.default;
  }
  for (const pair of overrides) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      usage.push(`--input ${pair}: write NAME=VALUE`);
      continue;
    }
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const decl = Object.hasOwn(recipe.inputs, name) ? recipe.inputs[name] : undefined;
    if (!decl) {
      const names = Object.keys(recipe.inputs);
      usage.push(`--input ${pair}: the recipe has no input "${name}"${didYouMean(name, names) || (names.length ? `; its inputs: ${names.join(', ')}` : '')}`);
      continue;
    }
    const value = convert(raw, decl, cwd);
    if (value === undefined) usage.push(`--input ${pair}: "${name}" is a ${decl.type}; "${raw}" is not one`);
    else values[name] = value;
  }
  for (const name of Object.keys(recipe.inputs)) {
    if (values[name] === undefined) {
      diagnostics.push(source.error(['inputs', name], 'missing-input', `input "${name}" has no default and no value; pass --input ${name}=VALUE or add a default`, { key: true }));
    }
  }
  return { values, usage, diagnostics };
}

function convert(raw: string, decl: InputDecl, cwd: string): InputValue | undefined {
  switch (decl.type) {
    case 'number':
      // Decimal only: Number() would also take "0x10" and "" (as 16 and 0).
      return /^\s*-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(raw) ? Number(raw) : undefined;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'video':
    case 'image':
      if (raw.trim() === '') return undefined;
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : resolve(cwd, raw);
    default:
      return raw;
  }
}

/**
 * A step's parameters with input values filled in, for checking values that only the command line
 * supplies and for pricing before anything runs. A step output becomes `output(ref)`: a placeholder
 * path for parsing, or UNKNOWN for cross-field rules. Numbers and flags that fill a slot taking only
 * text become text; one that also takes them as they are (a union) keeps them.
 */
export function paramsForPlan(step: Step, values: Record<string, InputValue>, output: (ref: Reference) => unknown): Record<string, unknown> {
  const input = (ref: Reference) => (ref.context === 'inputs' ? values[ref.name] : output(ref));
  const filled = substitute(step.with, input, (ref) => (ref.context === 'inputs' ? String(values[ref.name]) : undefined)) as Record<string, unknown>;
  const shapes = paramShapes(step.model);
  for (const [name, value] of Object.entries(filled)) {
    const shape = shapes.get(name);
    if (!shape || mediaKindOf(shape)) continue;
    if (shape.kind !== 'list') filled[name] = toSlot(slotValues(step.model, [name]), value);
    else if (Array.isArray(value)) filled[name] = value.map((item) => toSlot(slotValues(step.model, [name, 0]), item));
  }
  return filled;
}
