import { UNKNOWN, type RuleParams } from '../models/types.js';
import type { Reference } from './types.js';

/** One `${{ … }}` inside a string value. Offsets are relative to the string. */
export interface ExpressionMatch {
  start: number;
  end: number;
  ref?: Reference;
  /** Why the expression does not parse; it then has no `ref`. */
  error?: string;
}

const OPEN = '${{';
const CLOSE = '}}';
const NAME = '[A-Za-z_][A-Za-z0-9_-]*';
const INPUT = new RegExp(`^inputs\\.(${NAME})$`);
const STEP_OUTPUT = new RegExp(`^steps\\.(${NAME})\\.outputs\\.(${NAME})$`);
const STEP_PREFIX = new RegExp(`^steps\\.(${NAME})(?:\\.(.*))?$`);
const MATRIX = new RegExp(`^matrix\\.(${NAME})(?:\\.(${NAME}))?$`);
/** `files('GLOB')` or `files("GLOB")`; in single quotes, `''` is one quote (as in GitHub Actions). */
const FILES = /^files\s*\(\s*(?:'((?:[^']|'')*)'|"([^"]*)")\s*\)$/s;
const FILES_PREFIX = /^files\s*\(/;
const FILES_EXAMPLE = "${{ files('clips/*.mp4') }}";
const NAME_ONLY = new RegExp(`^${NAME}$`);

/** Every expression in `value`, in order, including malformed ones (with an error). */
export function findExpressions(value: string): ExpressionMatch[] {
  const found: ExpressionMatch[] = [];
  let from = 0;
  for (;;) {
    const start = value.indexOf(OPEN, from);
    if (start < 0) return found;
    const close = value.indexOf(CLOSE, start + OPEN.length);
    if (close < 0) {
      found.push({ start, end: value.length, error: 'unterminated expression: close it with }}' });
      return found;
    }
    const end = close + CLOSE.length;
    found.push({ start, end, ...parseReference(value.slice(start + OPEN.length, close)) });
    from = end;
  }
}

/** The expression when `value` is exactly one `${{ … }}` (surrounding blanks allowed). */
export function wholeExpression(value: unknown): ExpressionMatch | undefined {
  if (typeof value !== 'string') return undefined;
  const found = findExpressions(value);
  if (found.length !== 1) return undefined;
  const only = found[0]!;
  const outside = value.slice(0, only.start) + value.slice(only.end);
  return outside.trim() === '' ? only : undefined;
}

export function parseReference(source: string): { ref: Reference } | { error: string } {
  const body = source.trim();
  if (body === '') return { error: 'empty expression: write ${{ inputs.NAME }}, ${{ steps.ID.outputs.NAME }} or ${{ matrix.NAME }}' };
  const input = INPUT.exec(body);
  if (input) return { ref: { context: 'inputs', name: input[1]! } };
  const output = STEP_OUTPUT.exec(body);
  if (output) return { ref: { context: 'steps', step: output[1]!, output: output[2]! } };
  const step = STEP_PREFIX.exec(body);
  if (step) {
    const name = step[2] && NAME_ONLY.test(step[2]) ? step[2] : 'NAME';
    return { error: `"${body}" does not name an output: write \${{ steps.${step[1]}.outputs.${name} }}` };
  }
  const matrix = MATRIX.exec(body);
  if (matrix) return { ref: { context: 'matrix', axis: matrix[1]!, ...(matrix[2] ? { column: matrix[2] } : {}) } };
  if (FILES_PREFIX.test(body)) {
    // A glob names many files: it can only be the values of an axis, one leg per file.
    return { error: `files() gives one leg per matching file, so it can only be the whole value of a matrix axis, e.g. matrix: { clip: ${FILES_EXAMPLE} }, read as \${{ matrix.clip }}` };
  }
  const [context = '', name = ''] = body.split(/\.(.*)/s);
  if (context === 'inputs') {
    return { error: `"${name}" is not an input name: names use letters, digits, _ and -` };
  }
  if (context === 'matrix') {
    return { error: `"${body}" does not name a matrix value: write \${{ matrix.NAME }}, or \${{ matrix.NAME.COLUMN }} for a column of a table axis` };
  }
  const hint = context === 'input' || context === 'step' ? `; did you mean "${context}s"?` : '';
  return {
    error: `unknown context "${context}" in "${body}"${hint}: an expression reads inputs.NAME, steps.ID.outputs.NAME or matrix.NAME`,
  };
}

/** The text of a found expression between `${{` and `}}`, trimmed; undefined when it is not closed. */
export function expressionBody(value: string, match: ExpressionMatch): string | undefined {
  if (!value.startsWith(CLOSE, match.end - CLOSE.length)) return undefined;
  return value.slice(match.start + OPEN.length, match.end - CLOSE.length).trim();
}

/**
 * The glob of `files('GLOB')`, when `body` (an expression's text) is a call of files(); undefined when it
 * is something else. Only a matrix axis reads it (see recipe/matrix.ts).
 */
export function parseFilesCall(body: string): { glob: string } | { error: string } | undefined {
  if (!FILES_PREFIX.test(body)) return undefined;
  const m = FILES.exec(body);
  if (!m) return { error: `files() takes one glob in quotes, relative to the recipe: ${FILES_EXAMPLE}` };
  const glob = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!;
  if (glob.trim() === '') return { error: `files() needs a glob, relative to the recipe: ${FILES_EXAMPLE}` };
  if (/^(\/|\\|[A-Za-z]:[\\/])/.test(glob)) {
    return { error: `files('${glob}') is an absolute path; write the glob relative to the recipe, so the recipe works in any checkout` };
  }
  return { glob };
}

export function formatReference(ref: Reference): string {
  switch (ref.context) {
    case 'inputs':
      return `inputs.${ref.name}`;
    case 'steps':
      return `steps.${ref.step}.outputs.${ref.output}`;
    case 'matrix':
      return `matrix.${ref.axis}${ref.column ? `.${ref.column}` : ''}`;
  }
}

/**
 * A parameter tree with its expressions replaced: a whole-value expression by `whole(ref)`, each
 * embedded one by the text `embedded(ref)` returns (or left as written when that is undefined).
 */
export function substitute(value: unknown, whole: (ref: Reference) => unknown, embedded: (ref: Reference) => string | undefined = () => undefined): unknown {
  if (typeof value === 'string') {
    const only = wholeExpression(value);
    if (only?.ref) return whole(only.ref);
    let out = '';
    let last = 0;
    for (const m of findExpressions(value)) {
      out += value.slice(last, m.start) + ((m.ref && embedded(m.ref)) ?? value.slice(m.start, m.end));
      last = m.end;
    }
    return out + value.slice(last);
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, whole, embedded));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, whole, embedded)]));
  }
  return value;
}

/** Parameters as cross-field rules see them: a whole-value expression becomes {@link UNKNOWN}. */
export function ruleView(params: Readonly<Record<string, unknown>>): RuleParams {
  return substitute(params, () => UNKNOWN) as RuleParams;
}
