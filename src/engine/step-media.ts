import { checkMediaKind, kindFix } from '../media/media-kind.js';
import { mediaKindOf, paramLabel, paramShapes } from '../recipe/schema.js';
import type { Step } from '../recipe/types.js';

/** A step's media input that is not what the parameter takes; the step fails before it runs or uploads. */
export class StepMediaError extends Error {
  override name = 'StepMediaError';
}

/**
 * Checks each media file a step is about to read or upload by its content, as the plan checked the recipe's
 * own files: here the outputs of earlier steps and downloaded URLs, which only exist now. A provider that
 * returns a picture where a video was promised, or a damaged file, stops at this step with its name, not
 * in a later step's ffmpeg. `params` are the resolved ones: media values are local paths.
 */
export async function checkStepMedia(step: Step, params: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<void> {
  const problems: string[] = [];
  for (const [name, shape] of paramShapes(step.model)) {
    const expected = mediaKindOf(shape);
    if (!expected) continue;
    const value = params[name];
    const files = shape.kind === 'list' && Array.isArray(value) ? value.map((v, i) => [v, [name, i]] as const) : [[value, [name]] as const];
    for (const [file, rel] of files) {
      if (typeof file !== 'string') continue;
      const problem = await checkMediaKind(file, expected, signal);
      if (problem) problems.push(`${paramLabel(rel)}: ${origin(step, rel, file)} ${problem.message}: ${kindFix(problem, expected)}`);
    }
  }
  if (problems.length) throw new StepMediaError(problems.join('; '));
}

/** Where the file came from, in the recipe's words: an earlier step's output, an input, or the path written. */
function origin(step: Step, rel: readonly (string | number)[], file: string): string {
  const site = step.refs.find((s) => s.whole && s.at.length === rel.length + 3 && rel.every((k, i) => s.at[i + 3] === k));
  if (site?.ref.context === 'steps') return `the output "${site.ref.output}" of step "${site.ref.step}"`;
  if (site?.ref.context === 'inputs') return `input "${site.ref.name}" (${file})`;
  return file;
}
