import type { RuleName } from '../models/diagnostic-rules.js';
import type { ValueKind } from '../models/types.js';
import { formatSource, sameSource, type StepMatrix } from './matrix.js';
import { didYouMean } from './suggest.js';
import { KIND_WORDS } from './words.js';
import type { Reference } from './types.js';

/** What one leg reads from `${{ matrix.NAME }}`: a value of `kind`; `path`: text that may name a file. */
export interface MatrixTyped {
  kind: ValueKind;
  path?: boolean;
}

export interface MatrixProblem {
  rule: RuleName;
  message: string;
}

/**
 * What `${{ matrix.AXIS }}` or `${{ matrix.AXIS.COLUMN }}` yields in step `self`, whose matrix is
 * `matrix`; a problem when it names nothing there; undefined when the axis is itself in error.
 */
export function matrixValue(ref: Extract<Reference, { context: 'matrix' }>, matrix: StepMatrix | undefined, self: string | undefined): MatrixTyped | MatrixProblem | undefined {
  const written = `matrix.${ref.axis}${ref.column ? `.${ref.column}` : ''}`;
  if (!matrix) {
    const step = self === undefined ? 'this step' : `step "${self}"`;
    return { rule: 'reference', message: `${written} is only defined in a step with a matrix, and ${step} has none: add matrix: { ${ref.axis}: [...] } to run it once per value` };
  }
  if (matrix.unreadable) return undefined;
  if (!matrix.keys.has(ref.axis)) {
    const names = [...matrix.keys.keys()];
    const hint = didYouMean(ref.axis, names) || `; its matrix has ${names.length ? names.join(', ') : 'no axis'}`;
    return { rule: 'reference', message: `step "${self}" has no matrix axis "${ref.axis}"${hint}` };
  }
  const value = matrix.keys.get(ref.axis);
  if (!value) return undefined;
  if ('table' in value) {
    const columns = Object.keys(value.columns);
    if (!ref.column) {
      const first = columns[0] ?? 'COLUMN';
      return {
        rule: 'reference-type',
        message: `matrix.${ref.axis} is a row of table input "${value.table}"; name a column: \${{ matrix.${ref.axis}.${first} }} (columns: ${columns.join(', ')})`,
      };
    }
    const kind = Object.hasOwn(value.columns, ref.column) ? value.columns[ref.column] : undefined;
    if (kind) return { kind };
    return {
      rule: 'reference',
      message: `table input "${value.table}" has no column "${ref.column}"${didYouMean(ref.column, columns) || `; its columns: ${columns.join(', ')}`}`,
    };
  }
  if (ref.column) {
    const what = value.path ? 'text' : KIND_WORDS[value.kind];
    return { rule: 'reference', message: `axis "${ref.axis}" is not a table, so matrix.${ref.axis} (${what}) has no column "${ref.column}"; write \${{ matrix.${ref.axis} }}` };
  }
  return value;
}

/**
 * How step `self` reads the output of step `producer`: one value per leg (`one`: no matrix on the
 * producer, or legs paired over the producer's axes), the list of all the producer's legs (`many`:
 * `self` has no matrix), or why the legs cannot pair (the message goes after the reference).
 */
export function pair(self: string | undefined, producer: string, matrices: ReadonlyMap<string, StepMatrix> | undefined): 'one' | 'many' | string {
  const theirs = matrices?.get(producer);
  if (!theirs || theirs.unreadable) return 'one';
  const ours = self === undefined ? undefined : matrices?.get(self);
  if (!ours) return 'many';
  if (ours.unreadable) return 'one';
  for (const [axis, source] of Object.entries(theirs.matrix.axes)) {
    // Each leg must find exactly one leg of the producer: the one with its own value of every producer axis.
    const mine = Object.hasOwn(ours.matrix.axes, axis) ? ours.matrix.axes[axis] : undefined;
    if (!mine) {
      if (ours.keys.has(axis)) continue; // our axis of that name is in error, and said so
      return `has one value per leg of "${producer}", which runs over axis "${axis}"; step "${self}" has no axis "${axis}", so its legs cannot pick one. Give "${self}" the same axis, ${axis}: ${formatSource(source)}, to pair leg with leg`;
    }
    if (!sameSource(mine, source)) {
      return `cannot pair: axis "${axis}" of "${self}" (${formatSource(mine)}) is not axis "${axis}" of "${producer}" (${formatSource(source)}); legs pair only over the same values: write ${axis}: ${formatSource(source)} in both`;
    }
  }
  return 'one';
}
