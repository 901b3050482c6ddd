import { LineCounter, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { RuleName } from '../models/diagnostic-rules.js';
import { parseRecipeText, type TooDeep } from './parse.js';
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
 * A recipe file parsed with positions. Every later stage reports through {@link RecipeSource.at},
 * which turns a path in the data into the line and column of the node that holds it, falling back to
 * the nearest node that exists (a missing key is reported at the map that lacks it).
 */
export class RecipeSource {
  readonly doc: Document.Parsed;
  readonly text: string;
  /** Set when the text nests too deep to be read; `doc` is then empty. */
  readonly tooDeep?: TooDeep;
  private readonly lines: LineCounter;

  constructor(
    readonly file: string,
    text: string,
  ) {
    // A byte-order mark is not part of line 1's first column.
    this.text = text.replace(/^\uFEFF/, '');
    this.lines = new LineCounter();
    const parsed = parseRecipeText(this.text, this.lines);
    this.doc = parsed.doc;
    this.tooDeep = parsed.tooDeep;
  }

  /** Path of the innermost node holding `offset`, e.g. to name where a syntax error is. */
  pathAt(offset: number): (string | number)[] {
    const path: (string | number)[] = [];
    let node = (this.doc.contents ?? undefined) as Node | undefined;
    const holds = (n: unknown) => {
      const range = (n as Node | null)?.range;
      return Boolean(range && range[0] <= offset && offset < Math.max(range[2], range[0] + 1));
    };
    for (;;) {
      if (isMap(node)) {
        // Items are in source order: the one holding `offset` is the last that starts at or before it.
        const i = lastStartingBefore(node.items, offset, (p) => (p.key as Node | null)?.range?.[0] ?? (p.value as Node | null)?.range?.[0]);
        const pair = i >= 0 && (holds(node.items[i]!.key) || holds(node.items[i]!.value)) ? node.items[i]! : undefined;
        if (!pair) return path;
        path.push(String(isScalar(pair.key) ? pair.key.value : pair.key));
        if (!holds(pair.value)) return path;
        node = pair.value as Node;
      } else if (isSeq(node)) {
        const i = lastStartingBefore(node.items, offset, (item) => (item as Node | null)?.range?.[0]);
        if (i < 0 || !holds(node.items[i])) return path;
        path.push(i);
        node = node.items[i] as Node;
      } else {
        return path;
      }
    }
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

  at(path: Path, severity: Severity, rule: RuleName, message: string, options: DiagnosticOptions = {}): Diagnostic {
    const [start, end] = this.spanOf(path, options);
    const from = this.position(start);
    const to = this.position(Math.min(end, this.text.length));
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

  error(path: Path, rule: RuleName, message: string, options?: DiagnosticOptions): Diagnostic {
    return this.at(path, 'error', rule, message, options);
  }

  warning(path: Path, rule: RuleName, message: string, options?: DiagnosticOptions): Diagnostic {
    return this.at(path, 'warning', rule, message, options);
  }

  /**
   * 1-based line and column, the column counted in characters (an emoji is one, not two UTF-16 units).
   * Both by binary search, so a file with thousands of problems on one long line is still read in linear time.
   */
  private position(offset: number): { line: number; col: number } {
    const { line } = this.lines.linePos(offset);
    const lineStart = this.lines.lineStarts[line - 1] ?? 0;
    this.pairs ??= surrogatePairs(this.text);
    const pairs = countBelow(this.pairs, offset) - countBelow(this.pairs, lineStart);
    return { line, col: offset - lineStart - pairs + 1 };
  }

  /** Offsets of the first half of every surrogate pair, ascending; found on the first position asked for. */
  private pairs?: number[];
  /** Per map: its pairs by key (the last of duplicates), so a path is walked without scanning every entry. */
  private readonly keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    let index = this.keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) index.set(String(isScalar(p.key) ? p.key.value : p.key), p);
      this.keyIndex.set(map, index);
    }
    return index.get(key);
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
        const pair = this.pairOf(node, String(segment));
        if (pair) {
          nextKey = pair.key as Node;
          // `key:` with nothing after it has an empty null node just past the colon; report at the key.
          const value = pair.value as Node | null;
          next = value?.range && value.range[0] < value.range[1] ? value : nextKey;
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

function surrogatePairs(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)) out.push(m.index);
  return out;
}

/** How many of the ascending `sorted` are below `value`. */
function countBelow(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the last item whose start is at or before `offset` (items in source order), or -1. */
function lastStartingBefore<T>(items: readonly T[], offset: number, start: (item: T) => number | undefined): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const at = start(items[mid]!);
    // An item without a position (an empty value) is treated as starting where the one before it does.
    if (at === undefined || at <= offset) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}
