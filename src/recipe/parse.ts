import { Composer, Parser, YAMLParseError, parseDocument, type CST, type Document, type LineCounter } from 'yaml';

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
  /** How deep the text nests at its deepest (at least MAX_NESTING + 1). */
  depth: number;
}

export interface ParsedText {
  doc: Document.Parsed;
  tooDeep?: TooDeep;
}

/**
 * Parses one recipe document. The parser is iterative (it keeps its own stack), so the concrete syntax
 * tree is measured first; only a tree within the limit goes to the recursive composer. A tree past it
 * yields an empty document and the place to report.
 */
export function parseRecipeText(text: string, lines: LineCounter): ParsedText {
  // logLevel `error`: what yaml would print as a process warning is reported as a diagnostic instead.
  const options = { uniqueKeys: true, prettyErrors: false, strict: true, merge: true, logLevel: 'error' } as const;
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const tooDeep = deepest(tokens);
  if (tooDeep) return { doc: parseDocument('', options), tooDeep };
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(options).compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      // As `parseDocument` does: the second document is reported, not read.
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return { doc: doc ?? parseDocument('', options) };
}

/** The first collection past the limit and the deepest level reached, walking with a stack of our own. */
function deepest(tokens: readonly CST.Token[]): TooDeep | undefined {
  let found: TooDeep | undefined;
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    const children: (CST.Token | null | undefined)[] = [];
    let level = depth;
    switch (token.type) {
      case 'document':
        children.push(token.value);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        level = depth + 1;
        for (const item of token.items) children.push(item.key, item.value);
        break;
      case 'block-scalar':
        children.push(...token.props);
        break;
      default:
        break;
    }
    if (level > MAX_NESTING) {
      // The earliest place in the text is the one to point at; the depth is the largest seen.
      if (!found || token.offset < found.offset) found = { offset: token.offset, depth: Math.max(level, found?.depth ?? 0) };
      else found.depth = Math.max(found.depth, level);
    }
    for (const child of children) if (child) stack.push([child, level]);
  }
  return found;
}
