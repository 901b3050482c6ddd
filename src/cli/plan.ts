import { resolve } from 'node:path';
import { checkCache } from '../engine/cache-status.js';
import { planRecipe } from '../graph/plan.js';
import { capProblems } from '../recipe/cap.js';
import { loadRecipe } from '../recipe/load.js';
import { EXIT, UsageError } from './exit.js';
import { formatText } from './format/diagnostics.js';
import { formatPlan, type PlanFormat } from './format/plan.js';

export interface PlanCommandOptions {
  input: string[];
  offline: boolean;
  format: PlanFormat;
  stateDir: string;
}

/** `vidrecipe plan <recipe>`: the DAG, backends, cache status and cost, before anything runs. */
export async function planCommand(file: string, options: PlanCommandOptions): Promise<number> {
  const { recipe, diagnostics, source } = loadRecipe(file);
  const sources = new Map(source ? [[file, source.text]] : []);
  if (!recipe || !source) {
    process.stderr.write(formatText(diagnostics, sources));
    return EXIT.invalid;
  }
  const plan = planRecipe(recipe, source, { inputs: options.input, offline: options.offline });
  if (plan.usage.length) throw new UsageError(plan.usage.join('\n'));
  await checkCache(plan, resolve(options.stateDir), source);
  // Validation warnings (an unused output …) belong in the plan a reviewer reads, too.
  plan.diagnostics.unshift(...diagnostics);
  const all = capProblems(plan.diagnostics).diagnostics;
  if (all.length) process.stderr.write(formatText(all, sources));
  if (all.some((d) => d.severity === 'error')) return EXIT.invalid;
  process.stdout.write(formatPlan(plan, options.format));
  return EXIT.ok;
}
