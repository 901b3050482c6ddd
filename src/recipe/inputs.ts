import { extname } from 'node:path';
import type { ValueKind } from '../models/types.js';
import { INPUT_TYPES, NAME_PATTERN, VALUE_KINDS } from './schema.js';
import { isMap, type Raw } from './map.js';
import type { Path, RecipeSource } from './source.js';
import type { Diagnostic, InputDecl, InputType } from './types.js';
import { KIND_WORDS, describe, mediaWords } from './words.js';

const NAME = new RegExp(NAME_PATTERN);

/** The JavaScript type a value of each kind is written as in YAML: media are paths or URLs, so text. */
const JS_TYPE: Readonly<Record<ValueKind, string>> = { video: 'string', image: 'string', string: 'string', number: 'number', boolean: 'boolean' };

/** What a table file may be: the graph layer reads it at plan time, by this extension. */
export const TABLE_EXTENSIONS = ['.csv', '.jsonl', '.yaml', '.yml'] as const;

/** "a video", "a path or URL to a video": how a message names one value of `kind`. */
function kindWords(kind: ValueKind): string {
  return kind === 'video' || kind === 'image' ? mediaWords(kind) : KIND_WORDS[kind];
}

/** Is `value` written the way a value of `kind` is (a number for `number`, text for a path)? */
export function isKind(value: unknown, kind: ValueKind): boolean {
  return typeof value === JS_TYPE[kind];
}

/** The `inputs:` declarations, with their names, their type's own keys (`of`, `columns`) and defaults checked. */
export function checkInputs(raw: unknown, source: RecipeSource, diagnostics: Diagnostic[]): Record<string, InputDecl> {
  const inputs: Record<string, InputDecl> = {};
  if (!isMap(raw)) return inputs;
  for (const [name, decl] of Object.entries(raw)) {
    if (!NAME.test(name)) {
      diagnostics.push(
        source.error(['inputs', name], 'input-name', `input name "${name}" must start with a letter or _ and use only letters, digits, _ and -`, { key: true }),
      );
    }
    // A declaration in error (no map, no or an unknown type) still declares the name: references
    // to it resolve, untyped, instead of each becoming a second, misleading error.
    const map = isMap(decl) ? decl : {};
    const type = (INPUT_TYPES as readonly string[]).includes(map.type as string) ? (map.type as InputType) : undefined;
    const at = ['inputs', name];
    const of = type && ofKey(name, type, map, at, source, diagnostics);
    const columns = type && columnsKey(name, type, map, at, source, diagnostics);
    if (type) checkDefault(name, type, map.default, { of, columns: map.columns }, at, source, diagnostics);
    inputs[name] = {
      // Left undefined when in error; a recipe with errors is never returned, so users never see it.
      type: type as InputType,
      of,
      columns,
      default: map.default as InputDecl['default'],
      description: typeof map.description === 'string' ? map.description : undefined,
    };
  }
  return inputs;
}

/** `of`: required by a list, meaningless elsewhere. Its value is checked by the schema (with a did-you-mean). */
function ofKey(name: string, type: InputType, map: Raw, at: Path, source: RecipeSource, diagnostics: Diagnostic[]): ValueKind | undefined {
  const kinds = VALUE_KINDS.join(', ');
  if (type !== 'list') {
    if (map.of !== undefined) {
      const hint = type === 'table' ? 'a table declares its columns instead' : `make it "type: list" for a list of ${String(map.of)} values, or remove of`;
      diagnostics.push(source.error([...at, 'of'], 'input-type', `"of" applies to type: list only; input "${name}" is a ${type}: ${hint}`, { key: true }));
    }
    return undefined;
  }
  if (map.of === undefined) {
    diagnostics.push(source.error([...at, 'of'], 'input-type', `list input "${name}" needs "of", the kind of its items: one of ${kinds}, e.g. { type: list, of: video }`));
  }
  return (VALUE_KINDS as readonly unknown[]).includes(map.of) ? (map.of as ValueKind) : undefined;
}

/** `columns`: required by a table, meaningless elsewhere. Kinds are checked by the schema; names here. */
function columnsKey(name: string, type: InputType, map: Raw, at: Path, source: RecipeSource, diagnostics: Diagnostic[]): Record<string, ValueKind> | undefined {
  if (type !== 'table') {
    if (map.columns !== undefined) {
      diagnostics.push(
        source.error([...at, 'columns'], 'input-type', `"columns" applies to type: table only; input "${name}" is a ${type}: make it "type: table" to read rows from a file, or remove columns`, { key: true }),
      );
    }
    return undefined;
  }
  if (map.columns === undefined) {
    diagnostics.push(
      source.error([...at, 'columns'], 'input-type', `table input "${name}" needs "columns", each column's name and kind, e.g. columns: { video: video, prompt: string }`),
    );
    return undefined;
  }
  if (!isMap(map.columns)) return undefined; // the schema says it must be a map
  const columns: Record<string, ValueKind> = {};
  for (const [column, kind] of Object.entries(map.columns)) {
    if (!NAME.test(column)) {
      // matrix.AXIS.COLUMN reads it: it must be a name an expression can spell.
      diagnostics.push(
        source.error([...at, 'columns', column], 'input-name', `column name "${column}" must start with a letter or _ and use only letters, digits, _ and -, as \${{ matrix.AXIS.${column} }} reads it; rename the column in the file too`, { key: true }),
      );
    }
    if ((VALUE_KINDS as readonly unknown[]).includes(kind)) columns[column] = kind as ValueKind;
  }
  return columns;
}

/** A default of the declared type: a value of that kind, a list of `of` items, or a table file's path. */
function checkDefault(
  name: string,
  type: InputType,
  value: unknown,
  decl: { of?: ValueKind; columns?: unknown },
  at: Path,
  source: RecipeSource,
  diagnostics: Diagnostic[],
): void {
  // Nothing, or a map: the schema has said what a default can be.
  if (value === undefined || value === null || isMap(value)) return;
  const where = [...at, 'default'];
  const wrong = (words: string): void => void diagnostics.push(source.error(where, 'input-default', `the default of input "${name}" must be ${words}, got ${describe(value)}`));
  if (type === 'list') {
    const words = decl.of ? `a list of ${plural(decl.of)}` : 'a list';
    if (!Array.isArray(value)) return wrong(`${words}, e.g. [${example(decl.of)}]`);
    if (value.length === 0) {
      diagnostics.push(source.error(where, 'input-default', `the default of list input "${name}" is empty; give at least one item, or remove the default so a run must pass --input ${name}=…`));
      return;
    }
    value.forEach((item: unknown, i) => {
      if (decl.of && !isKind(item, decl.of)) {
        diagnostics.push(source.error([...where, i], 'input-default', `every item of input "${name}" must be ${kindWords(decl.of)} (of: ${decl.of}), got ${describe(item)}`));
      }
    });
    return;
  }
  if (type === 'table') {
    if (typeof value !== 'string') return wrong('the path of a CSV, JSONL or YAML file, relative to the recipe');
    const ext = extname(value).toLowerCase();
    if (!(TABLE_EXTENSIONS as readonly string[]).includes(ext)) {
      diagnostics.push(
        source.error(where, 'input-default', `the default of table input "${name}" must be a .csv, .jsonl or .yaml file (read by its extension), got ${describe(value)}`),
      );
    }
    return;
  }
  if (Array.isArray(value)) return wrong(`one value, ${kindWords(type)}; for several, declare { type: list, of: ${type} }`);
  if (!isKind(value, type)) wrong(kindWords(type));
}

/** "videos", "numbers", "true or false values". */
function plural(kind: ValueKind): string {
  return kind === 'string' ? 'text values' : kind === 'boolean' ? 'true or false values' : `${kind}s`;
}

function example(kind: ValueKind | undefined): string {
  if (kind === 'number') return '1, 2';
  if (kind === 'boolean') return 'true, false';
  if (kind === 'video') return 'clips/a.mp4, clips/b.mp4';
  if (kind === 'image') return 'refs/a.png, refs/b.png';
  return 'dawn, dusk';
}
