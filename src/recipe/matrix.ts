import type { ValueKind } from '../models/types.js';
import { expressionBody, parseFilesCall, wholeExpression } from './expression.js';
import { isMap, type Raw } from './map.js';
import { MATRIX_KEYWORDS, NAME_PATTERN } from './schema.js';
import type { Path, RecipeSource } from './source.js';
import { didYouMean } from './suggest.js';
import type { AxisSource, Diagnostic, InputDecl, Matrix, Scalar, Step } from './types.js';
import { KIND_WORDS, describe } from './words.js';

/**
 * What one value of a matrix key is, for typing `${{ matrix.NAME }}` where it is used. Checked per
 * axis, never per leg: the legs are expanded by the graph layer, and a matrix of 10,000 legs must
 * validate as fast as one of two.
 */
export type MatrixValue =
  /** `path`: text that may also name a file (a literal list's strings, a files() match), so it also fills a video or image. */
  | { kind: ValueKind; path?: boolean }
  /** One row of a table input: only its columns can be read (`matrix.shot.video`). */
  | { table: string; columns: Readonly<Record<string, ValueKind>> };

/** A step's matrix as the reference checker sees it. */
export interface StepMatrix {
  /** The axes that are sound, and include/exclude as written: what `Step.matrix` gets. */
  matrix: Matrix;
  /**
   * Every name `matrix.NAME` may read: each axis written (undefined when the axis is in error, so that
   * reading it is not a second error) and each key only `include` adds, with the kind of its values.
   */
  keys: ReadonlyMap<string, MatrixValue | undefined>;
  /** `matrix:` is not a map at all: nothing about it can be known, and nothing is reported twice. */
  unreadable?: true;
}

/** A step's batch settings: `matrix`, `max-parallel` and `fail-fast`. */
export interface StepBatch {
  matrix?: StepMatrix;
  maxParallel?: number;
  failFast: boolean;
}

const NAME = new RegExp(NAME_PATTERN);
const PLURAL: Readonly<Record<ValueKind, string>> = { video: 'videos', image: 'images', string: 'text', number: 'numbers', boolean: 'true or false values' };
const AXIS_FORMS = "a list of values, ${{ inputs.NAME }} of a list or table input, or ${{ files('GLOB') }}";

/** Reads `matrix`, `max-parallel` and `fail-fast` of one step, reporting what is wrong with them. */
export function readBatch(id: string, step: Raw, inputs: Readonly<Record<string, InputDecl>>, source: RecipeSource, diagnostics: Diagnostic[]): StepBatch {
  const at = ['steps', id];
  const matrix = step.matrix === undefined ? undefined : readMatrix(id, step.matrix, inputs, source, diagnostics);
  // Range and type are the schema's to report; only a sound value is kept.
  const raw = step['max-parallel'];
  const maxParallel = typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 ? raw : undefined;
  const failFast = step['fail-fast'] === true;
  if (!matrix) {
    // Harmless without a matrix, but a sign the author believes it limits something: say it does not.
    for (const key of ['max-parallel', 'fail-fast'] as const) {
      if (step[key] === undefined) continue;
      diagnostics.push(
        source.warning([...at, key], 'matrix', `${key} applies to the legs of a matrix, and step "${id}" has no matrix: it does nothing here; remove it, or add matrix: to run the step once per value`, { key: true }),
      );
    }
  }
  return { matrix, maxParallel, failFast };
}

/** `Step.matrix`, `maxParallel`, `failFast` from what readBatch found (only set keys, so a plain step stays plain). */
export function batchFields(batch: StepBatch | undefined): Pick<Step, 'matrix' | 'maxParallel' | 'failFast'> {
  if (!batch?.matrix) return { failFast: false };
  return { matrix: batch.matrix.matrix, ...(batch.maxParallel !== undefined ? { maxParallel: batch.maxParallel } : {}), failFast: batch.failFast };
}

function readMatrix(id: string, raw: unknown, inputs: Readonly<Record<string, InputDecl>>, source: RecipeSource, diagnostics: Diagnostic[]): StepMatrix {
  const at = ['steps', id, 'matrix'];
  const error = (path: Path, message: string, key = false) => diagnostics.push(source.error(path, 'matrix', message, { key }));
  const empty: Matrix = { axes: {}, include: [], exclude: [] };
  if (!isMap(raw)) {
    error(at, `matrix must be a map of axes, e.g. matrix: { seed: [1, 2, 3] }; got ${describe(raw)}`);
    return { matrix: empty, keys: new Map(), unreadable: true };
  }
  const axes: Record<string, AxisSource> = {};
  const keys = new Map<string, MatrixValue | undefined>();
  for (const [name, value] of Object.entries(raw)) {
    if ((MATRIX_KEYWORDS as readonly string[]).includes(name)) continue;
    if (!NAME.test(name)) {
      error([...at, name], `axis name "${name}" must start with a letter or _ and use only letters, digits, _ and -, as \${{ matrix.NAME }} reads it`, true);
    }
    const axis = readAxis(name, value, [...at, name], inputs, source, diagnostics);
    keys.set(name, axis?.value);
    if (axis) axes[name] = axis.source;
  }
  if (keys.size === 0) {
    const hint = raw.include !== undefined ? '; include only adds to the legs of axes: write the values of each leg as an axis list' : '';
    error(at, `matrix has no axis, so the step would have no leg; add one, e.g. matrix: { seed: [1, 2, 3] }, or remove matrix:${hint}`, true);
  }
  const exclude = readEntries(raw.exclude, [...at, 'exclude'], keys, source, diagnostics);
  const include = readEntries(raw.include, [...at, 'include'], keys, source, diagnostics);
  return { matrix: { axes, include, exclude }, keys: withIncludeKeys(keys, include, [...at, 'include'], raw.include, source, diagnostics) };
}

/** One axis: where its values come from and what one of them is; undefined (reported) when in error. */
function readAxis(
  name: string,
  value: unknown,
  at: Path,
  inputs: Readonly<Record<string, InputDecl>>,
  source: RecipeSource,
  diagnostics: Diagnostic[],
): { source: AxisSource; value: MatrixValue | undefined } | undefined {
  const error = (path: Path, message: string, rule: 'matrix' | 'expression' | 'reference' = 'matrix') => {
    diagnostics.push(source.error(path, rule, message));
    return undefined;
  };
  if (Array.isArray(value)) return literalAxis(name, value, at, source, diagnostics);
  const whole = wholeExpression(value);
  if (typeof value !== 'string' || !whole) {
    const one = value !== null && typeof value !== 'object' && !(typeof value === 'string' && value.includes('${{')) ? `; for one value, write [${String(value)}]` : '';
    return error(at, `axis "${name}" must be ${AXIS_FORMS}; got ${describe(value)}${one}`);
  }
  const files = parseFilesCall(expressionBody(value, whole) ?? '');
  if (files && 'error' in files) return error(at, files.error, 'expression');
  if (files) return { source: { from: 'files', glob: files.glob }, value: { kind: 'string', path: true } };
  if (!whole.ref) return error(at, whole.error ?? 'invalid expression', 'expression');
  const ref = whole.ref;
  if (ref.context === 'steps') {
    return error(at, `axis "${name}" cannot read a step's output: the legs are known before any step runs. Use ${AXIS_FORMS}`);
  }
  if (ref.context === 'matrix') return error(at, `axis "${name}" cannot read another matrix value; use ${AXIS_FORMS}`);
  const input = Object.hasOwn(inputs, ref.name) ? inputs[ref.name] : undefined;
  if (!input) {
    const names = Object.keys(inputs);
    const hint = didYouMean(ref.name, names) || (names.length ? `; declared inputs: ${names.join(', ')}` : '; declare it under inputs: with type: list or type: table');
    return error(at, `unknown input "${ref.name}"${hint}`, 'reference');
  }
  const from: AxisSource = { from: 'input', input: ref.name };
  // A declaration in error has been reported: the axis stands, untyped.
  if (!input.type) return { source: from, value: undefined };
  if (input.type === 'list') return { source: from, value: input.of && { kind: input.of } };
  if (input.type === 'table') return { source: from, value: input.columns && { table: ref.name, columns: input.columns } };
  return error(
    at,
    `axis "${name}" reads input "${ref.name}", which is one value (${input.type}); an axis needs many: declare it { type: list, of: ${input.type} }, or write the values here as a list`,
  );
}

/** `seed: [1, 2, 3]`: values as written, all of one kind. */
function literalAxis(name: string, values: unknown[], at: Path, source: RecipeSource, diagnostics: Diagnostic[]): { source: AxisSource; value: MatrixValue | undefined } | undefined {
  if (values.length === 0) {
    diagnostics.push(source.error(at, 'matrix', `axis "${name}" has no values, so the step would have no leg; list at least one, or remove the axis`));
    return undefined;
  }
  let kind: 'string' | 'number' | 'boolean' | undefined;
  let sound = true;
  for (const [i, item] of values.entries()) {
    const problem = scalarProblem(item);
    if (problem) {
      diagnostics.push(source.error([...at, i], 'matrix', `${name}[${i}]: ${problem}`));
      sound = false;
      continue;
    }
    const type = typeof item as 'string' | 'number' | 'boolean';
    kind ??= type;
    if (type !== kind) {
      // One kind per axis: `matrix.seed` is typed where it is used, for every leg at once.
      diagnostics.push(
        source.error([...at, i], 'matrix', `axis "${name}" mixes ${KIND_WORDS[kind]} and ${KIND_WORDS[type]} (${describe(item)}); write every value as one kind${kind === 'string' ? ', e.g. in quotes' : ''}`),
      );
      sound = false;
    }
  }
  if (!sound) return undefined;
  return { source: { from: 'list', values: values as Scalar[] }, value: { kind: kind!, path: kind === 'string' || undefined } };
}

/** Why `value` cannot be a value a matrix is written with, or undefined when it can. */
function scalarProblem(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value.includes('${{') ? 'matrix values are written as they are, not computed; for values from an input, make the whole axis ${{ inputs.NAME }} of a list input' : undefined;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return undefined;
  return `a matrix value is text, a number or true/false; got ${describe(value)}`;
}

/** `include:` or `exclude:`: a list of maps of values. Exclude keys must be axes; include may add keys. */
function readEntries(raw: unknown, at: Path, keys: ReadonlyMap<string, MatrixValue | undefined>, source: RecipeSource, diagnostics: Diagnostic[]): Record<string, Scalar>[] {
  if (raw === undefined) return [];
  const which = at[at.length - 1] as 'include' | 'exclude';
  const error = (path: Path, message: string, key = false) => diagnostics.push(source.error(path, 'matrix', message, { key }));
  if (!Array.isArray(raw)) {
    error(at, `${which} must be a list of maps, e.g. ${which}: [{ seed: 2 }]; got ${describe(raw)}`);
    return [];
  }
  const entries: Record<string, Scalar>[] = [];
  for (const [i, entry] of raw.entries()) {
    if (!isMap(entry) || Object.keys(entry).length === 0) {
      error([...at, i], `${which}[${i}] must be a map of axis values, e.g. { seed: 2 }; got ${isMap(entry) ? 'an empty map' : describe(entry)}`);
      continue;
    }
    let sound = true;
    for (const [key, value] of Object.entries(entry)) {
      const path = [...at, i, key];
      const axis = keys.get(key);
      if (which === 'exclude' && !keys.has(key)) {
        const names = [...keys.keys()];
        error(path, `exclude names "${key}", which is not an axis of this matrix${didYouMean(key, names) || `; its axes: ${names.join(', ')}`}`, true);
        sound = false;
        continue;
      }
      const problem = scalarProblem(value) ?? (keys.has(key) ? mismatch(key, value as Scalar, axis) : undefined);
      if (problem) {
        error(path, `${which}[${i}].${key}: ${problem}`);
        sound = false;
      }
    }
    if (sound) entries.push(entry as Record<string, Scalar>);
  }
  return entries;
}

/** Why `value` can never match a value of the axis `key`, or undefined when it may. */
function mismatch(key: string, value: Scalar, axis: MatrixValue | undefined): string | undefined {
  if (!axis) return undefined;
  // Rows and files are matched by their label, as leg ids show them: `remove[shot=a]`.
  const want = 'table' in axis || axis.kind === 'video' || axis.kind === 'image' ? 'string' : axis.kind;
  if (typeof value === want) return undefined;
  const what = 'table' in axis ? `rows of table input "${axis.table}", matched by their label (as leg ids show it)` : axis.path ? KIND_WORDS.string : PLURAL[axis.kind];
  const fix = want === 'string' ? `; write it in quotes: "${String(value)}"` : want === 'number' && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? `; write ${Number(value)} without quotes` : '';
  return `axis "${key}" holds ${what}, so ${describe(value)} matches no leg${fix}`;
}

/** The axes' keys, and the keys only `include` adds, each typed by its values (one kind per key). */
function withIncludeKeys(
  axes: ReadonlyMap<string, MatrixValue | undefined>,
  include: readonly Record<string, Scalar>[],
  at: Path,
  raw: unknown,
  source: RecipeSource,
  diagnostics: Diagnostic[],
): Map<string, MatrixValue | undefined> {
  const keys = new Map(axes);
  const sound = new Set<unknown>(include);
  for (const [i, entry] of (Array.isArray(raw) ? raw : []).entries()) {
    if (!sound.has(entry)) continue; // reported by readEntries
    for (const [key, value] of Object.entries(entry as Record<string, Scalar>)) {
      if (axes.has(key)) continue;
      const path = [...at, i, key];
      if (!NAME.test(key)) {
        diagnostics.push(source.error(path, 'matrix', `include key "${key}" must start with a letter or _ and use only letters, digits, _ and -, as \${{ matrix.NAME }} reads it`, { key: true }));
        continue;
      }
      const kind = typeof value as 'string' | 'number' | 'boolean';
      const seen = keys.get(key);
      if (!keys.has(key)) keys.set(key, { kind, path: kind === 'string' || undefined });
      else if (seen && 'kind' in seen && seen.kind !== kind) {
        diagnostics.push(source.error(path, 'matrix', `include gives "${key}" ${KIND_WORDS[seen.kind]} elsewhere and ${KIND_WORDS[kind]} here (${describe(value)}); write every value of a key as one kind`));
      }
    }
  }
  return keys;
}

/** Does the step's matrix run over the same values as another's axis? Pairing needs it. */
export function sameSource(a: AxisSource, b: AxisSource): boolean {
  if (a.from === 'list' && b.from === 'list') return a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
  if (a.from === 'input' && b.from === 'input') return a.input === b.input;
  if (a.from === 'files' && b.from === 'files') return a.glob === b.glob;
  return false;
}

/** An axis' source as a recipe writes it, shortened, for messages. */
export function formatSource(axis: AxisSource): string {
  if (axis.from === 'input') return `\${{ inputs.${axis.input} }}`;
  if (axis.from === 'files') return `\${{ files('${axis.glob.replace(/'/g, "''")}') }}`;
  const shown = axis.values.slice(0, 3).map((v) => JSON.stringify(v));
  return `[${shown.join(', ')}${axis.values.length > 3 ? ', …' : ''}]`;
}

/** The keys `include` adds beyond the axes, in the order first written: readable as `matrix.KEY` too. */
export function includeOnlyKeys(matrix: Matrix): string[] {
  const keys = new Set<string>();
  for (const entry of matrix.include) for (const key of Object.keys(entry)) if (!Object.hasOwn(matrix.axes, key)) keys.add(key);
  return [...keys];
}
