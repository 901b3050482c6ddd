import type { FfmpegProgress } from '../../media/types.js';
import type { ExecContext } from '../types.js';

/** Forwards ffmpeg's progress to the step's progress line. */
export function ffmpegProgress(ctx: ExecContext): (progress: FfmpegProgress) => void {
  return (p) => {
    if (p.fraction !== undefined) ctx.progress({ state: 'running', fraction: p.fraction });
  };
}
