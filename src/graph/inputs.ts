import { resolve } from 'node:path';
import { RecipeSource } from '../recipe/source.js';
import { didYouMean } from '../recipe/suggest.js';
import type { Diagnostic, InputDecl, Recipe, Scalar } from '../recipe/types.js';

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
  const given = new Map<string, string>();
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
    const earlier = given.get(name);
    given.set(name, pair);
    if (decl.type === 'list') {
      // Each --input adds one item; the first one replaces the default list.
      const item = convert(raw, decl.of ?? 'string', cwd);
      if (item === undefined) usage.push(`--input ${pair}: "${name}" is a list of ${decl.of}s; "${raw}" is not one`);
      else values[name] = [...(earlier === undefined ? [] : (values[name] as Scalar[])), item];
      continue;
    }
    if (earlier !== undefined) {
      usage.push(`--input ${pair}: "${name}" was already given (--input ${earlier}); it takes one value, so one of them would be ignored: give it once${decl.type === 'video' || decl.type === 'image' ? `, or declare it \`type: list, of: ${decl.type}\` to run over several` : ''}`);
      continue;
    }
    const value = convert(raw, decl.type, cwd);
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

/** A command-line value as the type it fills; a table is the path of its file. */
function convert(raw: string, type: InputDecl['type'], cwd: string): Scalar | undefined {
  switch (type) {
    case 'number':
      // Decimal only: Number() would also take "0x10" and "" (as 16 and 0).
      return /^\s*-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(raw) ? Number(raw) : undefined;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'video':
    case 'image':
    case 'table':
      if (raw.trim() === '') return undefined;
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : resolve(cwd, raw);
    default:
      return raw;
  }
}
