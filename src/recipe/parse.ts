import { Composer, Lexer, Parser, YAMLParseError, parseDocument, type CST, type Document, type LineCounter } from 'yaml';

/**
 * Lists and maps nested deeper than this are refused before the document is built. A recipe needs about
 * seven levels (steps → id → with → param → list → item); the YAML composer and every later stage walk
 * the tree recursively, so ~800 levels of `[` would otherwise end in "Maximum call stack size exceeded".
 */
export const MAX_NESTING = 64;

/** Where the text first nests deeper than {@link MAX_NESTING}. */
export interface TooDeep {
  /** Offset of the collection that opens the level past the limit. */
  offset: number;
}

export interface ParsedText {
  doc: Document.Parsed;
  tooDeep?: TooDeep;
}

const COLLECTIONS: ReadonlySet<string> = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Parses one recipe document. The CST parser keeps the open collections on a stack of its own (no
 * recursion), so its depth is watched token by token and parsing stops at the first level past the limit:
 * the recursive composer never sees such a tree, and a megabyte of `[` costs no more than its first 65.
 */
export function parseRecipeText(text: string, lines: LineCounter): ParsedText {
  // logLevel \`error\`: what yaml would print as a process warning is reported as a diagnostic instead.
  // uniqueKeys off: the parser's check is quadratic; syntax.ts finds duplicate keys in linear time.
  const options = { uniqueKeys: false, prettyErrors: false, strict: true, merge: true, logLevel: 'error' } as const;
  const parser = new Parser(lines.addNewLine);
  const tokens: CST.Token[] = [];
  // What `parser.parse()` does first: line 1 starts at 0.
  lines.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > MAX_NESTING) {
      const open = parser.stack.filter((t) => COLLECTIONS.has(t.type));
      if (open.length > MAX_NESTING) {
        countLines(text, lines);
        return { doc: parseDocument('', options), tooDeep: { offset: open[MAX_NESTING]!.offset } };
      }
    }
  }
  for (const token of parser.end()) tokens.push(token);
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(options).compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      // As \`parseDocument\` does: the second document is reported, not read.
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return { doc: doc ?? parseDocument('', options) };
}

/** The parser registers line starts as it goes; one stopped early leaves the rest to be counted here. */
function countLines(text: string, lines: LineCounter): void {
  const last = lines.lineStarts[lines.lineStarts.length - 1] ?? 0;
  for (let i = text.indexOf('\n', last); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (i + 1 > (lines.lineStarts[lines.lineStarts.length - 1] ?? 0)) lines.addNewLine(i + 1);
  }
}
