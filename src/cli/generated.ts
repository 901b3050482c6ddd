import { MODELS } from '../models/catalog.js';
import { modelSchemaDocument, recipeSchema } from '../recipe/schema.js';
import { readFileSync } from 'node:fs';
import { modelsMarkdown } from './format/models.js';
import { withRulesTable } from './format/rules.js';

export interface GeneratedFile {
  /** Relative to the project root (schemas) or to `--out`. */
  path: string;
  content: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** schemas/: the whole recipe, and one file per model. Paths are relative to the schemas folder. */
export function schemaFiles(): GeneratedFile[] {
  return [
    { path: 'recipe.schema.json', content: json(recipeSchema(MODELS)) },
    ...MODELS.map((m) => ({ path: `models/${m.id}.schema.json`, content: json(modelSchemaDocument(m)) })),
  ];
}

/** Everything committed that is derived from the catalog, relative to the project root. */
export function generatedFiles(): GeneratedFile[] {
  return [
    ...schemaFiles().map((f) => ({ path: `schemas/${f.path}`, content: f.content })),
    { path: 'docs/models.md', content: modelsMarkdown(MODELS) },
    // Hand-written but for its rules table, which comes from the one list of rule names.
    { path: 'docs/recipes.md', content: withRulesTable(readFileSync(new URL('../../docs/recipes.md', import.meta.url), 'utf8')) },
  ];
}
