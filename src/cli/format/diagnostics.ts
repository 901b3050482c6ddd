import type { Diagnostic } from '../../recipe/types.js';
import { painter } from '../color.js';

export type DiagnosticFormat = 'text' | 'json' | 'github';

/**
 * actionlint-style: `file:line:col: severity: message [rule]`, then the source line with a caret
 * under the offending node. `sources` maps a file to its text, for the excerpt.
 */
export function formatText(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): string {
  const paint = painter();
  const out: string[] = [];
  // Each file split once and each line spread into characters once: thousands of problems on one long
  // line must not each split the file again.
  const split = new Map<string, string[] | undefined>();
  const spread = new Map<string, string[]>();
  const lineOf = (file: string, line: number): string[] | undefined => {
    if (!split.has(file)) split.set(file, sources.get(file)?.split(/\r?\n/));
    const text = split.get(file)?.[line - 1];
    if (text === undefined) return undefined;
    const key = `${line}:${file}`;
    let chars = spread.get(key);
    if (!chars) spread.set(key, (chars = [...text]));
    return chars;
  };
  for (const d of diagnostics) {
    const severity = d.severity === 'error' ? paint(['bold', 'red'], 'error') : paint(['bold', 'yellow'], 'warning');
    out.push(`${paint('bold', `${d.file}:${d.line}:${d.col}`)}: ${severity}: ${d.message} ${paint('gray', `[${d.rule}]`)}`);
    // Columns count characters, as the diagnostics do.
    const full = lineOf(d.file, d.line);
    if (full === undefined) continue;
    const { line, col } = excerpt(full, d.col);
    const gutter = String(d.line).length + 1;
    const width = d.endLine === d.line ? Math.max(1, d.endCol - d.col) : Math.max(1, full.length - d.col + 1);
    const caret = `^${'~'.repeat(Math.max(0, Math.min(width, line.length - col + 1) - 1))}`;
    out.push(`${String(d.line).padStart(gutter)} | ${line.join('')}`);
    out.push(`${' '.repeat(gutter)} | ${' '.repeat(col - 1)}${paint(d.severity === 'error' ? 'red' : 'yellow', caret)}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

const EXCERPT = 120;

/** A long line (as characters) cut to a window around `col`, and the column within the window. */
function excerpt(line: string[], col: number): { line: string[]; col: number } {
  if (line.length <= EXCERPT) return { line, col };
  const start = Math.max(0, Math.min(col - 1 - 40, line.length - EXCERPT));
  const head = start > 0 ? ['…'] : [];
  const tail = start + EXCERPT < line.length ? ['…'] : [];
  return { line: [...head, ...line.slice(start, start + EXCERPT), ...tail], col: col - start + head.length };
}

export function formatJson(diagnostics: readonly Diagnostic[]): string {
  return `${JSON.stringify(diagnosticRows(diagnostics), null, 2)}\n`;
}

/** The documented JSON shape of a diagnostic. */
export function diagnosticRows(diagnostics: readonly Diagnostic[]) {
  return diagnostics.map(({ file, line, col, endLine, endCol, severity, rule, message, path }) => ({
    file,
    line,
    col,
    endLine,
    endCol,
    severity,
    rule,
    message,
    path,
  }));
}

/** GitHub Actions workflow commands: each becomes an annotation on the PR diff. */
export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const props = [
        `file=${property(d.file)}`,
        `line=${d.line}`,
        `col=${d.col}`,
        `endLine=${d.endLine}`,
        `endColumn=${d.endCol}`,
        `title=${property(`vidrecipe ${d.rule}`)}`,
      ].join(',');
      return `::${d.severity} ${props}::${data(d.message)}\n`;
    })
    .join('');
}

// Escaping as the runner's command parser expects (actions/toolkit `escapeData` / `escapeProperty`).
function data(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function property(text: string): string {
  return data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function summary(file: string, diagnostics: readonly Diagnostic[], steps?: number, totals?: { errors: number; warnings: number }): string {
  const errors = totals?.errors ?? diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = totals?.warnings ?? diagnostics.length - errors;
  const counts = [errors && `${errors.toLocaleString('en-US')} error${errors === 1 ? '' : 's'}`, warnings && `${warnings.toLocaleString('en-US')} warning${warnings === 1 ? '' : 's'}`].filter(Boolean).join(', ');
  if (errors) return `${file}: ${counts}`;
  const valid = steps === undefined ? 'valid' : `valid (${steps} step${steps === 1 ? '' : 's'})`;
  return `${file}: ${valid}${counts ? `, ${counts}` : ''}`;
}
