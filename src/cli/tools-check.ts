import type { PlannedStep } from '../graph/plan.js';
import { ffmpegPath, ffprobePath } from '../media/binaries.js';
import { UsageError } from './exit.js';

/**
 * Finds ffmpeg and ffprobe before a run starts, so a wrong `FFMPEG_PATH` is one usage error (exit 2)
 * rather than the same failure once per step. Only the steps that will run count: ffmpeg for a local
 * step, ffprobe for any (inputs are probed against the providers' limits). A cached run needs neither,
 * and a run of remote steps only runs without ffmpeg (its report has no posters). `probesMedia`: local
 * media files are to be checked by content, which takes ffprobe whatever the cache holds.
 */
export function checkTools(toRun: readonly PlannedStep[], probesMedia = false): void {
  const needs = { ffmpeg: toRun.some((s) => s.backend === 'local'), ffprobe: probesMedia || toRun.length > 0 };
  const find = { ffmpeg: ffmpegPath, ffprobe: ffprobePath };
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    if (!needs[tool]) continue;
    try {
      find[tool]();
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
}
