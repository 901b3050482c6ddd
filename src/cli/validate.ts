import { loadRecipe, unexpected } from '../recipe/load.js';
import { loadPrecompiled } from '../recipe/precompiled.js';
import { StructureChecker } from '../recipe/structure.js';
import { sourceTexts } from '../recipe/sub-recipe.js';
import type { Diagnostic } from '../recipe/types.js';
import { readConfig, withConfigSource } from './config-file.js';
import { EXIT } from './exit.js';
import { formatGithub, formatJson, formatText, summary, type DiagnosticFormat } from './format/diagnostics.js';

export interface ValidateOptions {
  format: DiagnosticFormat;
  /** `--config FILE`; else vidrecipe.config.yaml in the working directory, when present. */
  config?: string;
}

/** `vidrecipe validate <recipe...>`: every problem of every file (and of the config), exit 2 if any is an error. */
export async function validateCommand(files: string[], options: ValidateOptions): Promise<number> {
  const checker = new StructureChecker(await loadPrecompiled());
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
    // The recipe's text and its sub-recipes', so each problem prints its own file's line.
    for (const [name, text] of sourceTexts(result)) sources.set(name, text);
    all.push(...diagnostics);
    lines.push(summary(file, diagnostics, recipe?.steps.size, totals));
  }
  // The limits and endpoints a run will use are checked with the recipes, in the same formats.
  const config = readConfig(options);
  if (config.file !== undefined) {
    withConfigSource(sources, config);
    all.push(...config.diagnostics);
    lines.push(summary(config.file, config.diagnostics));
  }
  if (options.format === 'json') process.stdout.write(formatJson(all));
  else if (options.format === 'github') process.stdout.write(formatGithub(all));
  else process.stdout.write(formatText(all, sources) + (all.length ? '\n' : '') + lines.join('\n') + '\n');
  return all.some((d) => d.severity === 'error') ? EXIT.invalid : EXIT.ok;
}
