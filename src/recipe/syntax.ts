import { isCollection, isScalar, visit, type Node, type YAMLError } from 'yaml';
import { MAX_NESTING } from './parse.js';
import type { RecipeSource, Span } from './source.js';
import type { Diagnostic } from './types.js';

/** YAML-level problems: syntax errors, duplicate keys, unknown aliases and tags. */
export function syntaxDiagnostics(source: RecipeSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (source.tooDeep) {
    const { offset } = source.tooDeep;
    const span: Span = [offset, offset + 1];
    const message = `lists and maps nested more than ${MAX_NESTING} levels deep, here; a recipe needs about 7, so the file was not read further`;
    out.push(source.error([], 'too-deep', message, { span }));
  }
  const scan = new TextScan(source.text);
  for (const e of source.doc.errors) out.push(fromYamlError(source, e, 'error', scan));
  for (const e of source.doc.warnings) {
    // A recipe has no use for custom tags: `!env X` would silently become the text "X".
    out.push(fromYamlError(source, e, e.code === 'TAG_RESOLVE_FAILED' ? 'error' : 'warning', scan));
  }
  // An alias to an anchor that is not defined is not a parse error in `yaml`; it throws later.
  visit(source.doc, {
    // Duplicate keys are found here, one set per map: the parser's own check compares each key with
    // every earlier one, which took minutes on a map of 20,000 keys.
    Map: (_key, map) => {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key) || !key.range) continue;
        if (key.value === '__proto__') {
          // Reading YAML into JavaScript turns this key into the object's prototype: the entry would vanish.
          const span: Span = [key.range[0], Math.max(key.range[1], key.range[0] + 1)];
          out.push(source.error(source.pathAt(span[0]), 'reserved-name', '"__proto__" cannot be used as a key or name; rename it', { span }));
        }
        if (!seen.has(key.value)) {
          seen.add(key.value);
          continue;
        }
        const span: Span = [key.range[0], Math.max(key.range[1], key.range[0] + 1)];
        const name = String(key.value ?? '');
        out.push(source.error(source.pathAt(span[0]), 'duplicate-key', `duplicate key ${name ? `"${name}" ` : ''}in this map: the later one would silently win; remove or rename one of them`, { span }));
      }
    },
    Pair: (_key, pair) => {
      // `{ ${{ inputs.x }} }` unquoted is a map used as a key; JavaScript objects can only key by text.
      const key = pair.key as Node | null;
      // After a syntax error the parser's guess at the tree says nothing new.
      if (isCollection(key) && key.range && source.doc.errors.length === 0) {
        const span: Span = [key.range[0], Math.max(key.range[1], key.range[0] + 1)];
        const braces = source.text.slice(span[0] - 1, span[0] + 1) === '{{';
        const message = braces
          ? '{{ … }} reads as a map inside a map; an expression starts with $ and, inside [ ] or { }, is quoted: "${{ … }}"'
          : 'a key must be text, not a list or a map; to write an expression as a value, quote it: "${{ … }}"';
        out.push(source.error(source.pathAt(span[0]), 'yaml-syntax', message, { span: braces ? [span[0] - 1, span[1] + 1] : span }));
      }
    },
    Alias: (_key, alias) => {
      if (alias.resolve(source.doc) === undefined && alias.range) {
        const span: Span = [alias.range[0], alias.range[1]];
        out.push(source.error(source.pathAt(span[0]), 'yaml-syntax', `unknown alias *${alias.source}: define the anchor &${alias.source} before using it`, { span }));
      }
    },
  });
  return out;
}

function fromYamlError(source: RecipeSource, e: YAMLError, severity: 'error' | 'warning', scan: TextScan): Diagnostic {
  const { text } = source;
  if (e.code === 'TAG_RESOLVE_FAILED') {
    const span: Span = [e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)];
    return source.at(source.pathAt(span[0]), severity, 'yaml-syntax', `${e.message}: recipes use no custom tags; remove it and write the value itself`, { span });
  }
  let start = e.pos[0];
  // An unclosed flow collection is detected where the text goes on; the mistake is the opening bracket.
  const close = /end with an? ([}\]])/.exec(e.message)?.[1];
  const open = close ? scan.unclosed(start, close === '}' ? '{' : '[') : undefined;
  if (open !== undefined) start = open;
  // Indentation errors point at the start of the line; the offending token is after the spaces
  // (a tab is itself the offence, so it stays underlined).
  while (start < text.length && text[start] === ' ') start++;
  const end = open !== undefined ? start + 1 : Math.max(start + 1, e.pos[1]);
  let message = e.message.replace(/\s+at line \d+, column \d+[\s\S]*$/, '');
  if (e.code === 'MULTIPLE_DOCS') message = 'a recipe is one YAML document; remove the --- that starts another';
  // `[${{ a }}, b]` reads as a nested flow map: the fix is quoting, which the parser cannot know.
  if (scan.unquotedFlowExpression(start)) message += '; inside [ ] or { }, quote each expression: "${{ … }}"';
  return source.at(source.pathAt(start), severity, 'yaml-syntax', message, { span: [start, end] });
}

/**
 * Questions about the text around many errors, answered in one pass over it: a file of 60 KB of unclosed
 * brackets has thousands of errors, and scanning from the start (or the whole line) for each was quadratic.
 */
class TextScan {
  /** Per opening bracket: the offsets of those still open, as far as `scanned`. */
  private readonly open: Record<'[' | '{', number[]> = { '[': [], '{': [] };
  private scanned = 0;
  private quote: string | undefined;
  private readonly lineHints = new Map<number, boolean>();

  constructor(private readonly text: string) {}

  /** Offset of the last `open` before `before` that is not closed by then (quotes and comments skipped). */
  unclosed(before: number, open: '[' | '{'): number | undefined {
    // Errors come in source order; one that does not (rare) restarts the scan.
    if (before < this.scanned) this.reset();
    this.scanTo(before);
    const stack = this.open[open];
    return stack[stack.length - 1];
  }

  /** Does the line holding `offset` have an unquoted `${{` after a [ or {? Answered once per line. */
  unquotedFlowExpression(offset: number): boolean {
    const start = this.text.lastIndexOf('\n', offset - 1) + 1;
    let hint = this.lineHints.get(start);
    if (hint === undefined) {
      const end = this.text.indexOf('\n', start);
      const line = this.text.slice(start, end < 0 ? undefined : end);
      hint = /[[{][^\n]*\$\{\{/.test(line) && !/["']\$\{\{/.test(line);
      this.lineHints.set(start, hint);
    }
    return hint;
  }

  private reset(): void {
    this.open['['] = [];
    this.open['{'] = [];
    this.scanned = 0;
    this.quote = undefined;
  }

  private scanTo(before: number): void {
    const { text } = this;
    let i = this.scanned;
    for (; i < before; i++) {
      const c = text[i]!;
      if (this.quote) {
        if (c === this.quote) this.quote = undefined;
        continue;
      }
      if (c === '"' || c === "'") this.quote = c;
      else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
        // A comment changes nothing that is open, so skipping past `before` is safe.
        const eol = text.indexOf('\n', i);
        i = eol < 0 ? text.length : eol;
      } else if (c === '[' || c === '{') this.open[c].push(i);
      else if (c === ']') this.open['['].pop();
      else if (c === '}') this.open['{'].pop();
    }
    this.scanned = Math.max(this.scanned, i);
  }
}
