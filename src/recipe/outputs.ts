import { wholeExpression } from './expression.js';
import { isMap } from './map.js';
import { checkReferences, collectExpressions, type Scope } from './references.js';
import { NAME_PATTERN } from './schema.js';
import type { RecipeSource } from './source.js';
import type { Diagnostic, RecipeStep, ReferenceSite } from './types.js';

const NAME = new RegExp(NAME_PATTERN);

/** The recipe's `outputs:`: each a name fit for a file and one reference. */
export function checkOutputs(raw: unknown, scope: Scope, source: RecipeSource, diagnostics: Diagnostic[]): Record<string, ReferenceSite> {
  const outputs: Record<string, ReferenceSite> = {};
  if (!isMap(raw)) return outputs;
  for (const [name, value] of Object.entries(raw)) {
    const at = ['outputs', name];
    if (!NAME.test(name)) {
      // Output names become file names under --out: no spaces, no path separators.
      diagnostics.push(source.error(at, 'output-name', `output name "${name}" must start with a letter or _ and use only letters, digits, _ and -`, { key: true }));
    }
    if (typeof value !== 'string' || !wholeExpression(value)) {
      diagnostics.push(source.error(at, 'expression', `output "${name}" must be one reference, e.g. \${{ steps.ID.outputs.video }}`));
      continue;
    }
    const found = checkReferences(collectExpressions(value, at, source), scope, source, { output: true });
    diagnostics.push(...found.diagnostics);
    if (found.sites[0]) outputs[name] = found.sites[0];
  }
  return outputs;
}

/** With declared outputs, a step whose result nobody reads is probably a mistake. */
/** With declared outputs, a step whose result nobody reads is probably a mistake: it costs for nothing. */
export function unusedOutputs(steps: ReadonlyMap<string, RecipeStep>, outputs: Record<string, ReferenceSite>, source: RecipeSource): Diagnostic[] {
  const read = new Set<string>();
  for (const site of [...[...steps.values()].flatMap((s) => s.refs), ...Object.values(outputs)]) {
    if (site.ref.context === 'steps') read.add(site.ref.step);
  }
  const needed = new Set([...steps.values()].flatMap((s) => s.needs));
  return [...steps.keys()]
    .filter((id) => !read.has(id) && !needed.has(id))
    .map((id) => source.warning(['steps', id], 'unused-output', `the output of step "${id}" is not used by any step or recipe output`, { key: true }));
}
