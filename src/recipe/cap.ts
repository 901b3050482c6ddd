import type { Diagnostic } from './types.js';

/**
 * At most this many problems are listed per file. Past a few hundred, more lines help no one (GitHub shows
 * only the first annotations of a step anyway) and cost time in every format; the rest are counted.
 */
export const MAX_PROBLEMS_PER_FILE = 200;

export interface ProblemTotals {
  errors: number;
  warnings: number;
}

/**
 * The first `max` problems in source order, then one more saying how many were left out, placed where
 * the first of them is so an editor or a PR annotation still leads there.
 */
export function capProblems(sorted: readonly Diagnostic[], max = MAX_PROBLEMS_PER_FILE): { diagnostics: Diagnostic[]; totals: ProblemTotals } {
  const errors = sorted.filter((d) => d.severity === 'error').length;
  const totals = { errors, warnings: sorted.length - errors };
  if (sorted.length <= max) return { diagnostics: [...sorted], totals };
  const shown = sorted.slice(0, max);
  const rest = sorted.slice(max);
  const restErrors = rest.filter((d) => d.severity === 'error').length;
  const first = rest[0]!;
  const restWarnings = rest.length - restErrors;
  const what = !restWarnings ? 'errors' : !restErrors ? 'warnings' : `problems (${plural(restErrors, 'error')}, ${plural(restWarnings, 'warning')})`;
  shown.push({
    ...first,
    severity: restErrors ? 'error' : 'warning',
    rule: 'too-many-problems',
    message: `… and ${count(rest.length)} more ${what} in this file, the first of them here; fix the ones above and validate again`,
  });
  return { diagnostics: shown, totals };
}

/**
 * The problems plan and run show for the recipe file: the recipe's own and the plan's, merged into source
 * order (stable, so problems at one position keep their order) and capped here, once.
 */
export function capInSourceOrder(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return capProblems([...diagnostics].sort((a, b) => a.line - b.line || a.col - b.col)).diagnostics;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}
