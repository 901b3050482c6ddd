import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plan } from '../graph/plan.js';
import type { MediaKind } from '../models/types.js';
import { tempBeside } from './atomic.js';
import type { StepView } from './events.js';
import { mediaExt, type MediaFiles } from './media-files.js';

export interface PublishedOutput {
  /** The copy in the out dir. */
  file: string;
  kind: MediaKind;
  digest: string;
  /** The step that made it; absent when the output is a recipe input passed through. */
  step?: string;
}

/**
 * Copies the recipe's outputs to `outDir/<name><ext>`: copies, not links, so editing a result never
 * damages the cache. Outputs of steps that did not finish are left out (and their old copies alone).
 */
export async function publishOutputs(plan: Plan, views: ReadonlyMap<string, StepView>, outDir: string, media: MediaFiles): Promise<Record<string, PublishedOutput>> {
  const published: Record<string, PublishedOutput> = {};
  const copy = (file: string, from: { path: string; digest: string; kind: MediaKind; step?: string }) => {
    mkdirSync(dirname(file), { recursive: true });
    const temp = tempBeside(file);
    copyFileSync(from.path, temp);
    renameSync(temp, file);
    return { file, kind: from.kind, digest: from.digest, step: from.step };
  };
  for (const [name, from] of Object.entries(plan.outputs)) {
    if ('value' in from) {
      if (typeof from.value !== 'string' || (from.kind !== 'video' && from.kind !== 'image')) continue;
      try {
        const file = await media.resolve(from.value, plan.recipe.dir);
        published[name] = copy(join(outDir, `${name}${mediaExt(file.path, from.kind)}`), { ...file, kind: from.kind });
      } catch {
        // A missing input already failed the steps that read it; nothing to publish.
      }
      continue;
    }
    for (const leg of from.legs) {
      const output = views.get(leg.leg)?.outputs[leg.output];
      if (!output) continue;
      // A matrix step's output is one file per leg, in a folder that names the leg.
      const file = leg.matrix ? join(outDir, name, legFolder(leg.matrix), `${name}${output.ext}`) : join(outDir, `${name}${output.ext}`);
      const copied = copy(file, { ...output, step: leg.leg });
      if (!leg.matrix) published[name] = copied;
      else published[`${name}/${legFolder(leg.matrix)}`] = copied;
    }
  }
  return published;
}

/** `shot=a,look=dawn`, safe as one folder name on every file system. */
export function legFolder(matrix: Readonly<Record<string, string>>): string {
  return Object.entries(matrix)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
    .replace(/[\\/:*?"<>|\x00-\x1f]/g, '_');
}
