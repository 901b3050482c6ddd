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
 * order (stable, so problems at one position keep their order) and capped here, once. Problems of its
 * sub-recipes stay grouped by file, after the recipe's own, each file in source order and capped alone.
 */
export function capInSourceOrder(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return capPerFile(byFile(diagnostics).flatMap((group) => group.sort((a, b) => a.line - b.line || a.col - b.col))).diagnostics;
}

/**
 * {@link capProblems} for the problems of a recipe and of the sub-recipes it includes: each file has its
 * own cap (the extra line says "in this file"), and the files keep the order they come in.
 */
export function capPerFile(diagnostics: readonly Diagnostic[], max = MAX_PROBLEMS_PER_FILE): { diagnostics: Diagnostic[]; totals: ProblemTotals } {
  const out: Diagnostic[] = [];
  const totals = { errors: 0, warnings: 0 };
  for (const group of byFile(diagnostics)) {
    const capped = capProblems(group, max);
    out.push(...capped.diagnostics);
    totals.errors += capped.totals.errors;
    totals.warnings += capped.totals.warnings;
  }
  return { diagnostics: out, totals };
}

/** The problems split by file, files in the order of their first problem. */
function byFile(diagnostics: readonly Diagnostic[]): Diagnostic[][] {
  const groups = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const group = groups.get(d.file);
    if (group) group.push(d);
    else groups.set(d.file, [d]);
  }
  return [...groups.values()];
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}
