import { basename, extname } from 'node:path';
import type { Matrix, Scalar } from '../recipe/types.js';
import type { Row } from './table-file.js';

/** One axis value of a leg: what expressions read, and the label that names the leg. */
export interface AxisValue {
  value: Scalar | Row;
  label: string;
}

/** A leg's values by axis (and by `include`-only key), in the order the leg id shows them. */
export type Combo = Readonly<Record<string, AxisValue>>;

/** An axis with its values read (a list input's items, a table's rows, a glob's files). */
export interface ReadAxis {
  name: string;
  values: AxisValue[];
}

/**
 * The legs of a matrix, in matrix order (first axis slowest): the cartesian product of the axes,
 * less the `exclude` entries, with the `include` entries applied as GitHub Actions does: an entry's
 * extra keys are added to every leg its axis values match (never overwriting an axis value); an entry
 * that matches no leg becomes a leg of its own.
 */
export function expandMatrix(matrix: Pick<Matrix, 'include' | 'exclude'>, axes: readonly ReadAxis[]): Combo[] {
  let legs: Record<string, AxisValue>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, AxisValue>[] = [];
    for (const leg of legs) for (const value of axis.values) next.push({ ...leg, [axis.name]: value });
    legs = next;
  }
  const names = new Set(axes.map((a) => a.name));
  legs = legs.filter((leg) => !matrix.exclude.some((entry) => matches(leg, entry)));
  const originals = legs.length;
  for (const entry of matrix.include) {
    const onAxes = Object.entries(entry).filter(([k]) => names.has(k));
    const extra = Object.entries(entry).filter(([k]) => !names.has(k));
    let added = false;
    for (const leg of legs.slice(0, originals)) {
      if (!onAxes.every(([k, v]) => leg[k] && same(leg[k]!, v))) continue;
      // GitHub: keys added by an earlier include may be overwritten; an axis value never is.
      for (const [k, v] of extra) leg[k] = literal(v);
      added = true;
    }
    if (!added) legs.push(Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, axes.find((a) => a.name === k)?.values.find((x) => same(x, v)) ?? literal(v)])));
  }
  return legs;
}

function matches(leg: Record<string, AxisValue>, entry: Readonly<Record<string, Scalar>>): boolean {
  return Object.entries(entry).every(([k, v]) => leg[k] !== undefined && same(leg[k]!, v));
}

/** An entry names a value as written: by its label (a table row, a file) or by the value itself. */
function same(value: AxisValue, written: Scalar): boolean {
  return value.label === String(written) || (typeof value.value !== 'object' && value.value === written);
}

function literal(value: Scalar): AxisValue {
  return { value, label: String(value) };
}

/** Labels for the values of one axis: unique, short, and readable in a leg id and a folder name. */
export function labelled(values: readonly (Scalar | Row)[], label: (value: Scalar | Row) => string): AxisValue[] {
  const seen = new Map<string, number>();
  return values.map((value) => {
    const base = label(value);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { value, label: n === 1 ? base : `${base}~${n}` };
  });
}

/** A file's label: its name without the extension when that stays unique, else with it. */
export function fileLabel(path: string): string {
  return basename(path, extname(path)) || basename(path);
}

/** A table row's label: the file name of its first media column, else its first column's value. */
export function rowLabel(row: Row, mediaColumns: readonly string[]): string {
  const media = mediaColumns.map((c) => row[c]).find((v): v is string => typeof v === 'string');
  if (media) return fileLabel(media.replace(/[?#].*$/, ''));
  const first = Object.values(row)[0];
  return first === undefined ? 'row' : String(first);
}

/** `remove[shot=a,look=dawn]`: the leg's values in the order of its combo. */
export function legSuffix(combo: Combo): string {
  const parts = Object.entries(combo).map(([k, v]) => `${k}=${v.label}`);
  return parts.length ? `[${parts.join(',')}]` : '';
}
