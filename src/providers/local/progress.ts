import type { FfmpegProgress } from '../../media/types.js';
import type { ExecContext } from '../types.js';

/** Forwards ffmpeg's progress to the step's progress line. */
export function ffmpegProgress(ctx: ExecContext): (progress: FfmpegProgress) => void {
  return (p) => {
    if (p.fraction !== undefined) ctx.progress({ state: 'running', fraction: p.fraction });
  };
}

/**
 * Reports how many of `total` frames are written, every 2 % at most: a line per frame would flood the
 * progress of a long clip. An unknown total (0) reports nothing.
 */
export function frameProgress(ctx: ExecContext, total: number): (written: number) => void {
  let reported = 0;
  return (written) => {
    if (total <= 0) return;
    const fraction = Math.min(1, written / total);
    if (fraction - reported < 0.02) return;
    reported = fraction;
    ctx.progress({ state: 'running', fraction });
  };
}
