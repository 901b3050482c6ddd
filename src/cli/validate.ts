import { loadRecipe, unexpected } from '../recipe/load.js';
import { StructureChecker } from '../recipe/structure.js';
import type { Diagnostic } from '../recipe/types.js';
import { EXIT } from './exit.js';
import { formatGithub, formatJson, formatText, summary, type DiagnosticFormat } from './format/diagnostics.js';

export interface ValidateOptions {
  format: DiagnosticFormat;
}

/** `vidrecipe validate <recipe...>`: every problem of every file, exit 2 if any is an error. */
export function validateCommand(files: string[], options: ValidateOptions): number {
  const checker = new StructureChecker();
  const all: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const lines: string[] = [];
  for (const file of files) {
    // loadRecipe turns its own failures into a diagnostic; this guard keeps the promise for the rest too.
    let result: ReturnType<typeof loadRecipe>;
    try {
      result = loadRecipe(file, { checker });
    } catch (error) {
      result = { diagnostics: [unexpected(file, error)] };
    }
    const { recipe, diagnostics, source, totals } = result;
    if (source) sources.set(file, source.text);
    all.push(...diagnostics);
    lines.push(summary(file, diagnostics, recipe?.steps.size, totals));
  }
  if (options.format === 'json') process.stdout.write(formatJson(all));
  else if (options.format === 'github') process.stdout.write(formatGithub(all));
  else process.stdout.write(formatText(all, sources) + (all.length ? '\n' : '') + lines.join('\n') + '\n');
  return all.some((d) => d.severity === 'error') ? EXIT.invalid : EXIT.ok;
}
