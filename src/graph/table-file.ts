import { dirname, extname, resolve } from 'node:path';
import type { ValueKind } from '../models/types.js';
import { UntrustedReadError, readUntrustedText } from '../recipe/read-untrusted.js';
import { RecipeSource } from '../recipe/source.js';
import type { Diagnostic, Scalar } from '../recipe/types.js';
import { describe } from '../recipe/words.js';

/** One row of a manifest table, by column name; media values are absolute paths or URLs. */
export type Row = Readonly<Record<string, Scalar>>;

export interface Table {
  /** The file as the user would write it. */
  file: string;
  text: string;
  rows: Row[];
  /** Line of each row in the file (1-based), for messages about one row. */
  lines: number[];
  diagnostics: Diagnostic[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Reads a shot list: a CSV (with a header line), JSONL (one object per line) or YAML (a list of maps)
 * file whose columns the recipe declares with their kinds. Every cell is checked against its column's
 * kind and every problem is reported at its own line and column of the table file; media cells are paths
 * relative to the table file (or URLs), made absolute here.
 */
export function readTable(file: string, shown: string, columns: Readonly<Record<string, ValueKind>>): Table {
  let text: string;
  try {
    text = readUntrustedText(file, 'table');
  } catch (error) {
    const reason = error instanceof UntrustedReadError ? error.message : (error as Error).message;
    return { file: shown, text: '', rows: [], lines: [], diagnostics: [at(shown, 1, 1, `cannot read the table: ${reason}`)] };
  }
  const ext = extname(file).toLowerCase();
  const parsed = ext === '.csv' ? csvRows(text, shown) : ext === '.jsonl' || ext === '.ndjson' ? jsonlRows(text, shown) : ext === '.yaml' || ext === '.yml' ? yamlRows(text, shown) : undefined;
  if (!parsed) {
    return { file: shown, text, rows: [], lines: [], diagnostics: [at(shown, 1, 1, `a table is a .csv, .jsonl or .yaml file; got "${ext || 'no extension'}": rename it or convert it`)] };
  }
  const diagnostics = [...parsed.diagnostics];
  const rows: Row[] = [];
  const lines: number[] = [];
  const base = dirname(file);
  for (const raw of parsed.rows) {
    const row: Record<string, Scalar> = {};
    for (const [name, kind] of Object.entries(columns)) {
      const cell = raw.cells[name];
      const where = raw.where(name);
      if (cell === undefined || cell === '' || cell === null) {
        diagnostics.push(at(shown, where.line, where.col, `row ${raw.index} has no "${name}"; every row needs each declared column (${Object.keys(columns).join(', ')})`));
        continue;
      }
      const value = typed(cell, kind);
      if (value === undefined) {
        diagnostics.push(at(shown, where.line, where.col, `row ${raw.index}: "${name}" is declared ${kind}; ${describe(cell)} is not one`));
        continue;
      }
      row[name] = (kind === 'video' || kind === 'image') && typeof value === 'string' && !SCHEME.test(value) ? resolve(base, value) : value;
    }
    rows.push(row);
    lines.push(raw.line);
  }
  if (!parsed.rows.length && !diagnostics.length) diagnostics.push(at(shown, 1, 1, 'the table has no rows: a matrix over it would have no legs'));
  return { file: shown, text, rows, lines, diagnostics };
}

interface RawRow {
  /** 1-based row number, as a person counts rows (the header is not one). */
  index: number;
  line: number;
  cells: Record<string, unknown>;
  where(column: string): { line: number; col: number };
}

function typed(cell: unknown, kind: ValueKind): Scalar | undefined {
  switch (kind) {
    case 'number':
      if (typeof cell === 'number') return cell;
      return typeof cell === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(cell) ? Number(cell) : undefined;
    case 'boolean':
      if (typeof cell === 'boolean') return cell;
      return cell === 'true' ? true : cell === 'false' ? false : undefined;
    default:
      return typeof cell === 'string' ? cell : kind === 'string' && typeof cell === 'number' ? String(cell) : undefined;
  }
}

function at(file: string, line: number, col: number, message: string): Diagnostic {
  return { file, line, col, endLine: line, endCol: col + 1, severity: 'error', rule: 'table', message, path: '' };
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function csvRows(text: string, file: string): { rows: RawRow[]; diagnostics: Diagnostic[] } {
  const records: { cells: string[]; cols: number[]; line: number }[] = [];
  let cells: string[] = [];
  let cols: number[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let lineStart = 0;
  let recordLine = 1;
  let cellCol = 1;
  const src = text.replace(/^\uFEFF/, '');
  const endCell = () => {
    cells.push(cell);
    cols.push(cellCol);
    cell = '';
  };
  for (let i = 0; i <= src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === undefined) break;
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') {
          line++;
          lineStart = i + 1;
        }
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === ',') {
      endCell();
      cellCol = i + 2 - lineStart;
    } else if (c === '\n' || c === '\r' || c === undefined) {
      if (c === '\r' && src[i + 1] === '\n') i++;
      endCell();
      if (cells.some((v) => v !== '') || cells.length > 1) records.push({ cells, cols, line: recordLine });
      cells = [];
      cols = [];
      line++;
      lineStart = i + 1;
      recordLine = line;
      cellCol = 1;
    } else cell += c;
  }
  const diagnostics: Diagnostic[] = [];
  if (quoted) diagnostics.push(at(file, line, 1, 'a quoted field is never closed: end it with "'));
  const [header, ...body] = records;
  if (!header) return { rows: [], diagnostics };
  const names = header.cells.map((n) => n.trim());
  const rows = body.map((r, i): RawRow => {
    if (r.cells.length !== names.length) diagnostics.push(at(file, r.line, 1, `row ${i + 1} has ${r.cells.length} fields; the header has ${names.length}`));
    return {
      index: i + 1,
      line: r.line,
      cells: Object.fromEntries(names.map((n, j) => [n, r.cells[j]])),
      where: (column) => {
        const j = names.indexOf(column);
        return { line: r.line, col: j >= 0 ? (r.cols[j] ?? 1) : 1 };
      },
    };
  });
  return { rows, diagnostics };
}

function jsonlRows(text: string, file: string): { rows: RawRow[]; diagnostics: Diagnostic[] } {
  const rows: RawRow[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [i, content] of text.split(/\r?\n/).entries()) {
    if (!content.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      diagnostics.push(at(file, i + 1, 1, `not JSON: ${(error as Error).message}; each line of a .jsonl table is one object`));
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      diagnostics.push(at(file, i + 1, 1, `each line of a .jsonl table is one object with the columns as keys; got ${describe(value)}`));
      continue;
    }
    rows.push({
      index: rows.length + 1,
      line: i + 1,
      cells: value as Record<string, unknown>,
      where: (column) => ({ line: i + 1, col: Math.max(1, content.indexOf(JSON.stringify(column)) + 1) }),
    });
  }
  return { rows, diagnostics };
}

function yamlRows(text: string, file: string): { rows: RawRow[]; diagnostics: Diagnostic[] } {
  const source = new RecipeSource(file, text);
  const data: unknown = source.doc.errors.length ? undefined : source.doc.toJS({ maxAliasCount: 100 });
  if (!Array.isArray(data)) {
    const d = source.error([], 'table', source.doc.errors[0]?.message ?? `a .yaml table is a list of maps, one per row; got ${describe(data)}`);
    return { rows: [], diagnostics: [d] };
  }
  const rows: RawRow[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [i, value] of data.entries()) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      diagnostics.push(source.error([i], 'table', `row ${i + 1} must be a map of column: value; got ${describe(value)}`));
      continue;
    }
    const line = source.at([i], 'error', 'table', '').line;
    rows.push({
      index: i + 1,
      line,
      cells: value as Record<string, unknown>,
      where: (column) => {
        const d = source.at([i, column], 'error', 'table', '');
        return { line: d.line, col: d.col };
      },
    });
  }
  return { rows, diagnostics };
}
