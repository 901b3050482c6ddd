import { visit, type Document } from 'yaml';
import type { RecipeSource, Span } from './source.js';
import type { Diagnostic } from './types.js';

/** How many values aliases may expand to, in all (yaml's `maxAliasCount`). */
export const MAX_ALIAS_COUNT = 1000;

/**
 * The error for a document whose aliases expand past {@link MAX_ALIAS_COUNT} ("billion laughs"), at the
 * first alias rather than at line 1, in words that say what to change.
 */
export function aliasLimitDiagnostic(source: RecipeSource, doc: Document.Parsed): Diagnostic {
  let span: Span | undefined;
  visit(doc, {
    Alias: (_key, alias) => {
      if (!alias.range) return undefined;
      span = [alias.range[0], alias.range[1]];
      return visit.BREAK;
    },
  });
  const message = `aliases (*name) expand to more than ${MAX_ALIAS_COUNT} values in all, which is how a small file grows into gigabytes of data; a recipe repeats an anchor a few times at most, so use fewer aliases or ones that do not nest`;
  return span ? source.error(source.pathAt(span[0]), 'yaml-syntax', message, { span }) : source.error([], 'yaml-syntax', message);
}
