import { RULES } from '../../models/diagnostic-rules.js';

export const RULES_BEGIN = '<!-- rules: generated from src/models/diagnostic-rules.ts by `npm run schemas` -->';
export const RULES_END = '<!-- /rules -->';

/** The rules table of docs/recipes.md: every name a diagnostic can carry, in the list's order. */
export function rulesMarkdown(): string {
  const rows = Object.entries(RULES).map(([name, what]) => `| \`${name}\` | ${what.replace(/\|/g, '\\|')} |`);
  return ['| rule | what it reports |', '| --- | --- |', ...rows].join('\n');
}

/** `doc` with the text between the markers replaced by the current table. */
export function withRulesTable(doc: string): string {
  const from = doc.indexOf(RULES_BEGIN);
  const to = doc.indexOf(RULES_END);
  if (from < 0 || to < from) throw new Error(`docs/recipes.md lacks the markers ${RULES_BEGIN} … ${RULES_END}`);
  return `${doc.slice(0, from + RULES_BEGIN.length)}\n${rulesMarkdown()}\n${doc.slice(to)}`;
}
