import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { Diagnostic, Severity } from './types.js';

export type Path = readonly (string | number)[];

/** Character offsets `[start, end)` in the source text. */
export type Span = readonly [number, number];

export interface DiagnosticOptions {
  /** Point at the key of the map entry instead of its value (unknown keys, misspelled names). */
  key?: boolean;
  /** An exact span, e.g. one expression inside a longer string. */
  span?: Span;
}

/**
 * A recipe file parsed with positions. Every later stage reports through {@link RecipeSource.diagnostic},
 * which turns a path in the data into the line and column of the node that holds it, falling back to
 * the nearest node that exists (a missing key is reported at the map that lacks it).
 */
export class RecipeSource {
  readonly doc: Document.Parsed;
  private readonly lines: LineCounter;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false, strict: true });
  }

  /** YAML syntax errors and warnings, duplicate keys among them. */
  syntaxDiagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const [severity, list] of [['error', this.doc.errors], ['warning', this.doc.warnings]] as const) {
      for (const e of list) {
        if (e.code === 'DUPLICATE_KEY') {
          // The parser marks one character; underline the whole key and name it.
          const key = /^("[^"\n]*"|'[^'\n]*'|[^:#\n]+?)\s*:/.exec(this.text.slice(e.pos[0]))?.[1] ?? '';
          const span: Span = [e.pos[0], e.pos[0] + Math.max(1, key.length)];
          out.push(this.at([], severity, 'duplicate-key', `duplicate key ${key ? `"${key.replace(/^["']|["']$/g, '')}" ` : ''}in this map: the later one would silently win; remove or rename one of them`, { span }));
        } else {
          out.push(this.at([], severity, 'yaml-syntax', e.message, { span: [e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)] }));
        }
      }
    }
    // An alias to an anchor that is not defined is not a parse error in `yaml`; it throws later.
    visit(this.doc, {
      Alias: (_key, alias) => {
        if (alias.resolve(this.doc) === undefined && alias.range) {
          out.push(this.at([], 'error', 'yaml-syntax', `unknown alias *${alias.source}: define the anchor &${alias.source} before using it`, { span: [alias.range[0], alias.range[1]] }));
        }
      },
    });
    return out;
  }

  /** The node at `path`, or undefined when some segment is missing. */
  node(path: Path): Node | undefined {
    const found = this.walk(path);
    return found.depth === path.length ? found.node : undefined;
  }

  /** The source text of the node at `path` (for reading back what the user wrote). */
  spanOf(path: Path, options: DiagnosticOptions = {}): Span {
    if (options.span) return options.span;
    const found = this.walk(path);
    const exact = found.depth === path.length;
    // A missing entry is reported at the key of the map that lacks it: one line, not the whole map.
    const target = (options.key || !exact) && found.key ? found.key : found.node;
    const range = target?.range;
    if (!range) return [0, 0];
    return [range[0], Math.max(range[1], range[0] + 1)];
  }

  at(path: Path, severity: Severity, rule: string, message: string, options: DiagnosticOptions = {}): Diagnostic {
    const [start, end] = this.spanOf(path, options);
    const from = this.lines.linePos(start);
    const to = this.lines.linePos(Math.min(end, this.text.length));
    return {
      file: this.file,
      line: from.line,
      col: from.col,
      endLine: to.line,
      endCol: to.col,
      severity,
      rule,
      message,
      path: path.join('.'),
    };
  }

  error(path: Path, rule: string, message: string, options?: DiagnosticOptions): Diagnostic {
    return this.at(path, 'error', rule, message, options);
  }

  warning(path: Path, rule: string, message: string, options?: DiagnosticOptions): Diagnostic {
    return this.at(path, 'warning', rule, message, options);
  }

  /** Deepest node along `path`, with the key node of the last map entry walked through. */
  private walk(path: Path): { node: Node | undefined; key: Node | undefined; depth: number } {
    let node = (this.doc.contents ?? undefined) as Node | undefined;
    let key: Node | undefined;
    let depth = 0;
    for (const segment of path) {
      let next: Node | undefined;
      let nextKey: Node | undefined;
      if (isMap(node)) {
        // The last of duplicate keys is the one the data holds, so positions follow it.
        const pair = node.items.findLast((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
        if (pair) {
          nextKey = pair.key as Node;
          // `key:` with nothing after it has a null value node; report at the key then.
          next = (pair.value as Node | null) ?? nextKey;
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment] as Node | undefined;
      }
      if (!next) break;
      node = next;
      key = nextKey;
      depth++;
    }
    return { node, key, depth };
  }
}
