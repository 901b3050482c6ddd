import { isCollection, visit, type Node, type YAMLError } from 'yaml';
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
  for (const e of source.doc.errors) out.push(fromYamlError(source, e, 'error'));
  for (const e of source.doc.warnings) {
    // A recipe has no use for custom tags: `!env X` would silently become the text "X".
    out.push(fromYamlError(source, e, e.code === 'TAG_RESOLVE_FAILED' ? 'error' : 'warning'));
  }
  // An alias to an anchor that is not defined is not a parse error in `yaml`; it throws later.
  visit(source.doc, {
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

function fromYamlError(source: RecipeSource, e: YAMLError, severity: 'error' | 'warning'): Diagnostic {
  const { text } = source;
  if (e.code === 'DUPLICATE_KEY') {
    // The parser marks one character; underline the whole key and name it.
    const key = /^("[^"\n]*"|'[^'\n]*'|[^:#\n]+?)\s*:/.exec(text.slice(e.pos[0]))?.[1] ?? '';
    const span: Span = [e.pos[0], e.pos[0] + Math.max(1, key.length)];
    const name = key.replace(/^["']|["']$/g, '');
    return source.at(source.pathAt(span[0]), severity, 'duplicate-key', `duplicate key ${name ? `"${name}" ` : ''}in this map: the later one would silently win; remove or rename one of them`, { span });
  }
  if (e.code === 'TAG_RESOLVE_FAILED') {
    const span: Span = [e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)];
    return source.at(source.pathAt(span[0]), severity, 'yaml-syntax', `${e.message}: recipes use no custom tags; remove it and write the value itself`, { span });
  }
  let start = e.pos[0];
  // An unclosed flow collection is detected where the text goes on; the mistake is the opening bracket.
  const close = /end with an? ([}\]])/.exec(e.message)?.[1];
  const open = close ? unclosed(text, start, close === '}' ? '{' : '[', close) : undefined;
  if (open !== undefined) start = open;
  // Indentation errors point at the start of the line; the offending token is after the spaces
  // (a tab is itself the offence, so it stays underlined).
  while (start < text.length && text[start] === ' ') start++;
  const end = open !== undefined ? start + 1 : Math.max(start + 1, e.pos[1]);
  let message = e.message.replace(/\s+at line \d+, column \d+[\s\S]*$/, '');
  if (e.code === 'MULTIPLE_DOCS') message = 'a recipe is one YAML document; remove the --- that starts another';
  // `[${{ a }}, b]` reads as a nested flow map: the fix is quoting, which the parser cannot know.
  const line = text.slice(text.lastIndexOf('\n', start - 1) + 1, text.indexOf('\n', start) < 0 ? undefined : text.indexOf('\n', start));
  if (/[[{][^\n]*\$\{\{/.test(line) && !/["']\$\{\{/.test(line)) message += '; inside [ ] or { }, quote each expression: "${{ … }}"';
  return source.at(source.pathAt(start), severity, 'yaml-syntax', message, { span: [start, end] });
}

/** Offset of the last `open` before `before` that is not closed by then (quotes and comments skipped). */
function unclosed(text: string, before: number, open: string, close: string): number | undefined {
  const stack: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < before; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) i = text.indexOf('\n', i) < 0 ? before : text.indexOf('\n', i);
    else if (c === open) stack.push(i);
    else if (c === close) stack.pop();
    else if (c === '\n') quote = undefined;
  }
  return stack.pop();
}
