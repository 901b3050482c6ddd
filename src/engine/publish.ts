import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
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
  for (const [name, site] of Object.entries(plan.recipe.outputs)) {
    const ref = site.ref;
    let source: { path: string; digest: string; ext: string; kind: MediaKind; step?: string } | undefined;
    if (ref.context === 'steps') {
      const output = views.get(ref.step)?.outputs[ref.output];
      if (output) source = { ...output, step: ref.step };
    } else if (ref.context === 'inputs') {
      const value = plan.inputs[ref.name];
      const kind = plan.recipe.inputs[ref.name]?.type;
      if (typeof value === 'string' && (kind === 'video' || kind === 'image')) {
        try {
          const file = await media.resolve(value, plan.recipe.dir);
          source = { ...file, ext: mediaExt(file.path, kind), kind };
        } catch {
          // A missing input already failed the steps that read it; nothing to publish.
        }
      }
    }
    if (!source) continue;
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `${name}${source.ext}`);
    const temp = tempBeside(file);
    copyFileSync(source.path, temp);
    renameSync(temp, file);
    published[name] = { file, kind: source.kind, digest: source.digest, step: source.step };
  }
  return published;
}
