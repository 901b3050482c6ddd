import type { AnyModel, ValueKind } from '../models/types.js';
import { paramsSchema, type JsonSchema } from './schema.js';
import { KIND_WORDS } from './words.js';

/** A JSON type a literal can have; `integer` is folded into `number`. */
export type LiteralType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';

/**
 * The literal values a slot (a parameter, or one item of a list parameter) takes, read from its schema
 * with every `anyOf` / `oneOf` branch: `at` of local/extract-frame takes the words `first`, `last` and
 * numbers. A slot's single `kind` cannot say that; deciding from it alone turned `at: 2` into "2".
 */
export interface SlotValues {
  types: ReadonlySet<LiteralType>;
  /** Some text branch takes any text (no `enum` / `const`): numbers and flags may be read as text. */
  anyText: boolean;
  /** The words a text branch is limited to, when it is. */
  words: readonly string[];
  /** Each alternative in words, e.g. `a number ≥ 0`, for messages. */
  alternatives: readonly string[];
}

const cache = new WeakMap<AnyModel, Map<string, SlotValues | undefined>>();

/** What the slot at `rel` inside `with` (`[name]` or `[name, i]`) takes, or undefined for an unknown parameter. */
export function slotValues(model: AnyModel, rel: readonly (string | number)[]): SlotValues | undefined {
  const key = rel.length === 1 ? String(rel[0]) : `${String(rel[0])}[]`;
  let perModel = cache.get(model);
  if (!perModel) cache.set(model, (perModel = new Map()));
  if (!perModel.has(key)) {
    const props = (paramsSchema(model).properties as Record<string, JsonSchema> | undefined) ?? {};
    const prop = props[String(rel[0])];
    const schema = !prop ? undefined : rel.length === 1 ? prop : (itemsOf(prop) ?? undefined);
    perModel.set(key, schema && valuesOf(schema));
  }
  return perModel.get(key);
}

/** Describes the literals one schema takes, through its union branches. */
export function valuesOf(schema: JsonSchema): SlotValues {
  const types = new Set<LiteralType>();
  const words: string[] = [];
  const alternatives: string[] = [];
  let anyText = false;
  const visit = (s: JsonSchema): void => {
    const branches = [...((s.anyOf as JsonSchema[] | undefined) ?? []), ...((s.oneOf as JsonSchema[] | undefined) ?? [])];
    if (branches.length) {
      for (const b of branches) visit(b);
      return;
    }
    const listed = 'const' in s ? [s.const] : Array.isArray(s.enum) ? (s.enum as unknown[]) : undefined;
    const declared = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : listed ? [...new Set(listed.map(jsonTypeOf))] : [];
    for (const t of declared) types.add(t === 'integer' ? 'number' : (t as LiteralType));
    if (listed) {
      for (const v of listed) if (typeof v === 'string') words.push(v);
      alternatives.push(...listed.map((v) => JSON.stringify(v)));
      return;
    }
    if (declared.includes('string')) anyText = true;
    for (const t of declared) alternatives.push(typeWords(t, s));
  };
  visit(schema);
  return { types, anyText, words, alternatives };
}

/** `"first", "last" or a number ≥ 0`. */
export function slotWords(values: SlotValues): string {
  const all = values.alternatives;
  if (all.length <= 1) return all[0] ?? 'another kind of value';
  return `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]!}`;
}

/**
 * Can a reference yielding `from` fill this slot as it is? A number or a flag may also fill a slot that
 * takes any text (a prompt, a label), where it is read as text; never one limited to listed words.
 */
export function acceptsKind(values: SlotValues, from: ValueKind): boolean {
  if (from === 'video' || from === 'image') return false;
  if (values.types.has(from)) return true;
  if (from !== 'number' && from !== 'boolean') return false;
  // Listed words that read as a number or a flag ("5", "true") can still be met by one.
  return values.anyText || values.words.some((w) => (from === 'number' ? w.trim() !== '' && String(Number(w)) === w : w === 'true' || w === 'false'));
}

/**
 * A value filling the slot, as the model's parameters must get it: a number or flag becomes text only
 * when the slot takes text and not that value as it is (a prompt gets "2"; `at` keeps 2).
 */
export function toSlot(values: SlotValues | undefined, value: unknown): unknown {
  if (!values || (typeof value !== 'number' && typeof value !== 'boolean')) return value;
  if (values.types.has(typeof value as LiteralType) || !values.types.has('string')) return value;
  return String(value);
}

/** The schema of one item of a list parameter. */
function itemsOf(schema: JsonSchema): JsonSchema | undefined {
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) return schema.items as JsonSchema;
  for (const b of [...((schema.anyOf as JsonSchema[] | undefined) ?? []), ...((schema.oneOf as JsonSchema[] | undefined) ?? [])]) {
    const found = itemsOf(b);
    if (found) return found;
  }
  return undefined;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function typeWords(type: string, schema: JsonSchema): string {
  if (type === 'number' || type === 'integer') {
    const noun = type === 'integer' ? 'a whole number' : 'a number';
    const low = typeof schema.exclusiveMinimum === 'number' ? `> ${schema.exclusiveMinimum}` : typeof schema.minimum === 'number' ? `≥ ${schema.minimum}` : '';
    const high = typeof schema.exclusiveMaximum === 'number' ? `< ${schema.exclusiveMaximum}` : typeof schema.maximum === 'number' ? `≤ ${schema.maximum}` : '';
    return [noun, [low, high].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
  }
  if (type === 'string') return typeof schema.pattern === 'string' ? 'text of the documented form' : KIND_WORDS.string;
  if (type === 'boolean') return KIND_WORDS.boolean;
  if (type === 'array') return 'a list';
  if (type === 'object') return 'a map';
  return type;
}

