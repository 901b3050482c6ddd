import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import type { AnyModel, MediaKind } from '../models/types.js';
import { CUSTOM_KEYWORDS, EXPRESSION_KEYWORD, STEP_ID_PATTERN, paramsSchema, recipeSkeletonSchema, slotKind, withExpressions, type JsonSchema } from './schema.js';
import type { Precompiled } from './precompiled.js';
import type { Path, RecipeSource } from './source.js';
import { slotWords, valuesOf } from './slots.js';
import { didYouMean } from './suggest.js';
import { describe, jsonTypeWords, mediaWords } from './words.js';
import type { Diagnostic } from './types.js';

/** Parts of the skeleton whose errors another check reports in its own words. */
const OWN_CHECKS = [/^\/steps\/[^/]+\/matrix(\/|$)/, /^#\/properties\/inputs\/additionalProperties\/allOf\//];

/**
 * Structural validation with ajv against the derived JSON Schemas, with every error mapped to the
 * node it is about. Validators are compiled on first use: a recipe pays only for the models it uses.
 */
export class StructureChecker {
  private compiler?: Ajv;
  private skeleton?: ValidateFunction;
  private readonly models = new Map<string, ValidateFunction>();

  /** `precompiled`: validators built ahead of time from the same schemas (see precompiled.ts). */
  constructor(precompiled?: Precompiled) {
    if (precompiled) {
      this.skeleton = precompiled.skeleton;
      for (const [id, validate] of Object.entries(precompiled.params)) this.models.set(id, validate);
    }
  }

  /** Top-level keys, inputs, step options and outputs; not the parameters of each step. */
  checkRecipe(data: unknown, source: RecipeSource): Diagnostic[] {
    this.skeleton ??= this.ajv().compile(recipeSkeletonSchema());
    this.skeleton(data);
    // Step ids and input names have their own check with a better message than `propertyNames`; a
    // matrix and what each input type requires are checked by matrix.ts and inputs.ts, which name the fix.
    const errors = (this.skeleton.errors ?? []).filter((e) => !e.schemaPath.includes('/propertyNames') && !OWN_CHECKS.some((own) => own.test(e.instancePath) || own.test(e.schemaPath)));
    return mapErrors(errors, data, [], source);
  }

  /** A step's `with` map against the schema of its model. */
  checkParams(model: AnyModel, params: unknown, at: Path, source: RecipeSource): Diagnostic[] {
    let validate = this.models.get(model.id);
    if (!validate) {
      validate = this.ajv().compile(withExpressions(paramsSchema(model)));
      this.models.set(model.id, validate);
    }
    validate(params);
    return mapErrors(validate.errors ?? [], params, at, source, model);
  }

  /** ajv itself only when something is compiled here; loaded on demand, it costs nothing precompiled. */
  private ajv(): Ajv {
    this.compiler ??= createAjv();
    return this.compiler;
  }
}

/** The one configuration the validators are compiled with, at build time and at run time. */
export function createAjv(options: { source?: boolean } = {}): Ajv {
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const ajv = new AjvClass({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, code: { source: options.source ?? false, esm: true } });
  for (const keyword of CUSTOM_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'boolean'] });
  return ajv;
}

/** What is compiled: the skeleton, and each model's parameters with expressions allowed. */
export function internalSchemas(models: readonly AnyModel[]): { skeleton: JsonSchema; params: Map<string, JsonSchema> } {
  return { skeleton: recipeSkeletonSchema(), params: new Map(models.map((m) => [m.id, withExpressions(paramsSchema(m))])) };
}

/** `model` is set when checking a step's parameters, and names the model in messages. */
function mapErrors(errors: ErrorObject[], data: unknown, base: Path, source: RecipeSource, model?: AnyModel): Diagnostic[] {
  // A string holding `${{` is an expression attempt; the expression checker reports what is wrong with it.
  const kept = errors.filter((e) => !fromExpressionBranch(e) && !(typeof e.data === 'string' && e.data.includes('${{')));
  // An `anyOf` of literal alternatives (e.g. `timeout: 90s | 90`) is reported once, as a whole, unless
  // the value is a list, map or number of the one alternative of that type: then that alternative's own
  // errors (a duplicate item, a value out of range) say more. A failed text pattern never does.
  const drop = new Set<ErrorObject>();
  for (const union of kept.filter((e) => e.keyword === 'anyOf')) {
    const branches = ((union.parentSchema as JsonSchema).anyOf as JsonSchema[]) ?? [];
    const type = jsonType(union.data);
    const matching = type === 'string' ? [] : branches.flatMap((b, i) => (b.type === type || (b.type === 'number' && type === 'integer') ? [i] : []));
    const inside = kept.filter((e) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`) && e.instancePath.startsWith(union.instancePath));
    if (matching.length === 1) {
      drop.add(union);
      for (const e of inside) if (!e.schemaPath.startsWith(`${union.schemaPath}/${matching[0]}/`)) drop.add(e);
    } else {
      for (const e of inside) drop.add(e);
    }
  }
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of kept) {
    if (drop.has(error)) continue;
    const diagnostic = toDiagnostic(error, data, base, source, model);
    const key = `${diagnostic.path}|${diagnostic.rule}|${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnostic);
  }
  return out;
}

/** How a message names the node: its key, or `list[2]` for an item. */
function label(path: Path): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'recipe';
  return typeof last === 'number' ? `${String(path[path.length - 2] ?? 'item')}[${last}]` : last;
}

/** The media kind of the parameter (or list item) at `rel` inside `with`, if it takes media. */
function mediaAt(model: AnyModel, rel: Path): MediaKind | undefined {
  const kind = slotKind(model, rel);
  return kind === 'video' || kind === 'image' ? kind : undefined;
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Errors of the "it could also be an expression" branch say nothing useful about a literal value. */
function fromExpressionBranch(e: ErrorObject): boolean {
  const parent = e.parentSchema as JsonSchema | undefined;
  if (parent?.[EXPRESSION_KEYWORD]) return true;
  if (e.keyword === 'anyOf') {
    return ((parent?.anyOf as JsonSchema[] | undefined) ?? []).some((branch) => Boolean(branch[EXPRESSION_KEYWORD] || branch.$ref === '#/definitions/expression'));
  }
  return false;
}

function toDiagnostic(e: ErrorObject, data: unknown, base: Path, source: RecipeSource, model?: AnyModel): Diagnostic {
  const rel = pointerToPath(e.instancePath, data);
  const path = [...base, ...rel];
  const name = label(path);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const what = model ? `parameter "${missing}" of ${model.id}` : `property "${missing}"${path.length ? ` in ${name}` : ''}`;
      return source.error(path.concat(missing), 'required', `missing required ${what}`);
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = Object.keys(((e.parentSchema as JsonSchema).properties as object | undefined) ?? {});
      const what = model ? `unknown parameter "${extra}" for ${model.id}` : `unknown property "${extra}"${path.length ? ` in ${name}` : ''}`;
      const hint = didYouMean(extra, known) || `; expected one of: ${known.join(', ')}`;
      return source.error(path.concat(extra), model ? 'unknown-parameter' : 'unknown-property', `${what}${hint}`, { key: true });
    }
    case 'type': {
      const media = model && mediaAt(model, rel);
      const expected = media ? `${mediaWords(media)}, or a reference` : jsonTypeWords(String(params.type));
      return source.error(path, 'type', `${name} must be ${expected}, got ${describe(e.data)}`);
    }
    case 'enum': {
      const values = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      // A long list reads better as its start and end, e.g. num_frames: 69, 77, 85, …, 197.
      const allowed = values.length > 8 ? [...values.slice(0, 3), '…', values[values.length - 1]!] : values;
      const hint = typeof e.data === 'string' ? didYouMean(e.data, (params.allowedValues as unknown[]).map(String)) : nearest(e.data, params.allowedValues as unknown[]);
      return source.error(path, 'enum', `${name} must be one of ${allowed.join(', ')}, got ${describe(e.data)}${hint}`);
    }
    case 'const':
      if (String(e.data) === String(params.allowedValue)) {
        return source.error(path, 'type', `${name} must be the number ${String(params.allowedValue)}, not text; remove the quotes`);
      }
      if (path.length === 1 && name === 'version') {
        return source.error(path, 'version', `unsupported recipe version ${describe(e.data)}: this vidrecipe reads version 1`);
      }
      return source.error(path, 'enum', `${name} must be ${JSON.stringify(params.allowedValue)}, got ${describe(e.data)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return source.error(path, 'range', `${name} must be ${COMPARISON[String(params.comparison)] ?? params.comparison} ${String(params.limit)}, got ${describe(e.data)}`);
    case 'minItems':
      return source.error(path, 'range', `${name} needs at least ${plural(Number(params.limit), 'item')}, got ${(e.data as unknown[]).length}`);
    case 'maxItems':
      return source.error(path, 'range', `${name} takes at most ${plural(Number(params.limit), 'item')}, got ${(e.data as unknown[]).length}`);
    case 'minLength':
      return source.error(path, 'range', Number(params.limit) === 1 ? `${name} must not be empty` : `${name} must be at least ${params.limit} characters long`);
    case 'maxLength':
      return source.error(path, 'range', `${name} must be at most ${params.limit} characters long, got ${(e.data as string).length}`);
    case 'minProperties':
      return source.error(path, 'required', name === 'steps' ? 'a recipe needs at least one step' : `${name} must not be empty`);
    case 'pattern':
      if (params.pattern === STEP_ID_PATTERN) {
        return source.error(path, 'step-id', `${describe(e.data)} is not a step id: step ids use a-z, 0-9, _ and -, and start with a letter`);
      }
      return source.error(path, 'schema', `${name} ${e.message ?? 'is invalid'}`);
    case 'uniqueItems':
      return source.error(path.concat(Number(params.j)), 'duplicate', `${name} lists ${describe((e.data as unknown[])[Number(params.j)])} twice`);
    case 'anyOf': {
      // A union of bare types (`default` of an input) is a type error like any other.
      const branches = ((e.parentSchema as JsonSchema).anyOf as JsonSchema[] | undefined) ?? [];
      if (branches.length && branches.every((b) => typeof b.type === 'string' && Object.keys(b).length === 1)) {
        return source.error(path, 'type', `${name} must be ${jsonTypeWords(branches.map((b) => b.type).join(','))}, got ${describe(e.data)}`);
      }
      const description = (e.parentSchema as JsonSchema).description;
      const values = valuesOf(e.parentSchema as JsonSchema);
      const expected = typeof description === 'string' ? `: ${lowerFirst(description.replace(/\.$/, ''))}` : ` ${slotWords(values)}`;
      // `at: "2"` is text; the number branch wants it unquoted.
      const quoted = typeof e.data === 'string' && values.types.has('number') && /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(e.data);
      return source.error(path, 'type', `${name} must be${expected}; got ${describe(e.data)}${quoted ? `; for the number ${String(e.data).trim()}, remove the quotes` : ''}`);
    }
    default:
      return source.error(path, 'schema', `${name} ${e.message ?? 'is invalid'}`);
  }
}

/** JSON pointer → path, with array indices as numbers so they can be found in the YAML tree. */
function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cursor: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(cursor) ? Number(segment) : undefined;
    out.push(index ?? segment);
    cursor = cursor && typeof cursor === 'object' ? (cursor as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}

const COMPARISON: Record<string, string> = { '<=': '≤', '>=': '≥', '<': '<', '>': '>' };

/** For a number outside a list of allowed numbers: the closest allowed one. */
function nearest(value: unknown, allowed: unknown[]): string {
  if (typeof value !== 'number') return '';
  const numbers = allowed.filter((v): v is number => typeof v === 'number');
  if (!numbers.length) return '';
  const best = numbers.reduce((a, b) => (Math.abs(b - value) < Math.abs(a - value) ? b : a));
  return `; the nearest valid value is ${best}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
