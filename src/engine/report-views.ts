import { existsSync } from 'node:fs';
import type { StepMediaInput } from './step-facts.js';
import type { RunReport } from './report.js';
import type { ReportMedia } from './report-media.js';
import type { RunResult } from './run.js';
import { groupLegs } from './legs.js';

/**
 * The video a step edits: its first video parameter that is not a mask (VOID's `video`, VACE's
 * `video_url` or `first_clip_url`, trim's `video`). A step with none (a compare, a concat, a generation
 * from images) has no before/after.
 */
export function editedInput(inputs: Record<string, StepMediaInput | StepMediaInput[]>): [string, StepMediaInput] | undefined {
  for (const [name, value] of Object.entries(inputs)) {
    if (!Array.isArray(value) && value.kind === 'video' && !/mask/i.test(name)) return [name, value];
  }
  return undefined;
}

/**
 * Legs of a matrix step shown in full (players, strips, before/after); the others by their poster alone.
 * A batch of 300 clips would otherwise transcode and decode 600 files for a page nobody scrolls through,
 * while a poster is one decode of one frame — and, like every preview, made once per content digest.
 */
export const FULL_VIEWS_PER_STEP = 4;

/**
 * Fills the report with what the page shows: for every step output a poster and a playable copy, for
 * every edited video a frame strip and its input beside it, and for the recipe's outputs a strip and an
 * animated preview as well. Legs of a matrix step past the first {@link FULL_VIEWS_PER_STEP} get a poster
 * and a link to their file only. `blobPath` is where the store keeps a digest.
 */
export async function attachMedia(report: RunReport, result: RunResult, media: ReportMedia, blobPath: (digest: string) => string): Promise<void> {
  const jobs: Promise<void>[] = [];
  const sourceOf = (digest: string, fallback?: string): string | undefined => {
    const blob = blobPath(digest);
    if (existsSync(blob)) return blob;
    return fallback && existsSync(fallback) ? fallback : undefined;
  };
  const postersOnly = new Set(groupLegs(result.steps).flatMap((g) => (g.matrix || g.legs.length > 1 ? g.legs.slice(FULL_VIEWS_PER_STEP) : [])));
  for (const [i, step] of result.steps.entries()) {
    const entry = report.steps[i]!;
    if (postersOnly.has(step)) {
      for (const [name, output] of Object.entries(step.outputs)) {
        const file = sourceOf(output.digest);
        if (file) jobs.push(media.view(output.digest, file, { file: { ext: output.ext } }).then((view) => void Object.assign(entry.outputs[name]!, view)));
      }
      continue;
    }
    const edited = step.facts && Object.values(step.outputs).some((o) => o.kind === 'video') ? editedInput(step.facts.inputs) : undefined;
    for (const [name, output] of Object.entries(step.outputs)) {
      const file = sourceOf(output.digest);
      if (!file) continue;
      jobs.push(media.view(output.digest, file, { video: true, strip: Boolean(edited) }).then((view) => void Object.assign(entry.outputs[name]!, view)));
    }
    if (edited) {
      const [param, input] = edited;
      const file = sourceOf(input.digest, input.file);
      // Its poster and a playable copy for the slider; no strip: decoding the whole input again for it
      // would cost as much as the output's own, and the slider already shows it frame for frame.
      if (file) jobs.push(media.view(input.digest, file, { video: true }).then((view) => void (entry.before = { param, digest: input.digest, ...view })));
    }
  }
  for (const [name, output] of Object.entries(report.outputs)) {
    // A matrix output's legs are shown by their steps' posters; the folder itself has no picture.
    if (output.legs) continue;
    const file = sourceOf(output.digest, result.outputs[name]?.file);
    if (!file) continue;
    jobs.push(
      media.view(output.digest, file, { video: true, strip: true, animation: true }).then((view) => {
        Object.assign(output, view);
        // The Markdown report names its posters after the outputs, so they read well in a PR.
        if (view.poster) output.poster = media.alias(view.poster, `${name}.png`) ?? view.poster;
        if (view.animation) output.animation = media.alias(view.animation, `${name}${view.animation.slice(view.animation.lastIndexOf('.'))}`) ?? view.animation;
      }),
    );
  }
  await Promise.all(jobs);
}
