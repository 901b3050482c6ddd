import type { MediaKind } from '../models/types.js';
import { mediaKindOf, paramShapes } from '../recipe/schema.js';
import type { Step } from '../recipe/types.js';
import { mediaExt } from './media-files.js';

/** A media file a step read, by content: the report shows it (before/after) from the store. */
export interface StepMediaInput {
  digest: string;
  kind: MediaKind;
  ext: string;
  /** Where it was during the run: a recipe's own file, or a link to a blob that goes with the run's work folder. */
  file: string;
}

/** What a reviewer needs to know about a step's request, beside its result. */
export interface StepFacts {
  /**
   * The parameters the step ran with (defaults applied). A media value is shown as the recipe wrote it
   * (`${{ inputs.video }}`, `assets/x.mp4`): the absolute path it resolved to means nothing to a reader.
   */
  params: Record<string, unknown>;
  /** Media parameters → the files they resolved to (a list parameter keeps its order). */
  inputs: Record<string, StepMediaInput | StepMediaInput[]>;
}

/** The facts of a resolved step; `digestOf` knows the digest of every media file the engine resolved. */
export function stepFacts(step: Step, resolved: Record<string, unknown>, digestOf: (path: string) => string | undefined): StepFacts {
  const params: Record<string, unknown> = {};
  const inputs: StepFacts['inputs'] = {};
  const shapes = paramShapes(step.model);
  const file = (path: unknown, kind: MediaKind): StepMediaInput | undefined => {
    const digest = typeof path === 'string' ? digestOf(path) : undefined;
    return digest ? { digest, kind, ext: mediaExt(path as string, kind), file: path as string } : undefined;
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (value === undefined) continue;
    const shape = shapes.get(name);
    const kind = mediaKindOf(shape);
    if (kind && shape?.kind !== 'list') {
      params[name] = step.with[name] ?? value;
      const found = file(value, kind);
      if (found) inputs[name] = found;
    } else if (kind && Array.isArray(value)) {
      params[name] = step.with[name] ?? value;
      const found = value.map((v) => file(v, kind));
      if (found.every((f) => f)) inputs[name] = found as StepMediaInput[];
    } else {
      params[name] = value;
    }
  }
  return { params, inputs };
}
