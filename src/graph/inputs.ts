import { resolve } from 'node:path';
import { findExpressions, wholeExpression } from '../recipe/expression.js';
import { RecipeSource } from '../recipe/source.js';
import { didYouMean } from '../recipe/suggest.js';
import type { Diagnostic, InputDecl, Recipe, Step } from '../recipe/types.js';

export type InputValue = string | number | boolean;

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
    const decl = recipe.inputs[name];
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
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'video':
    case 'image':
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : resolve(cwd, raw);
    default:
      return raw;
  }
}

/**
 * A step's parameters with inputs substituted and step outputs standing in as placeholders, good
 * for checking values that only the command line supplies and for pricing before anything runs.
 */
export function paramsForPlan(step: Step, values: Record<string, InputValue>): Record<string, unknown> {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = wholeExpression(value);
      if (whole?.ref) return whole.ref.context === 'inputs' ? values[whole.ref.name] : `<steps.${whole.ref.step}.outputs.${whole.ref.output}>`;
      let out = '';
      let last = 0;
      for (const m of findExpressions(value)) {
        out += value.slice(last, m.start) + (m.ref?.context === 'inputs' ? String(values[m.ref.name]) : value.slice(m.start, m.end));
        last = m.end;
      }
      return out + value.slice(last);
    }
    if (Array.isArray(value)) return value.map(fill);
    return value;
  };
  return Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, fill(v)]));
}
