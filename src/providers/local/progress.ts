import type { FfmpegProgress } from '../../media/types.js';
import type { ExecContext } from '../types.js';

/** Forwards ffmpeg's progress to the step's progress line. */
export function ffmpegProgress(ctx: ExecContext): (progress: FfmpegProgress) => void {
  return (p) => {
    if (p.fraction !== undefined) ctx.progress({ state: 'running', fraction: p.fraction });
  };
}

/**
 * Reports how many of `total` frames are written, every 2 % at most (a line per frame would flood the
 * progress of a long clip) and always on reaching the total. An unknown total (0) reports nothing.
 */
export function frameProgress(ctx: ExecContext, total: number): (written: number) => void {
  let reported = 0;
  return (written) => {
    if (total <= 0) return;
    const fraction = Math.min(1, written / total);
    // Every 2 %, and the end whatever the step: a total like 51 frames would otherwise stop at 98 %.
    if (fraction <= reported || (fraction - reported < 0.02 && fraction < 1)) return;
    reported = fraction;
    ctx.progress({ state: 'running', fraction });
  };
}
