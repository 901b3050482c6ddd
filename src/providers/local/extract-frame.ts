import { join } from 'node:path';
import type { z } from 'zod';
import { extractFrame as extract } from '../../media/still.js';
import type { extractFrame as extractFrameModel } from '../../models/local/extract-frame.js';
import type { LocalExecutor } from '../types.js';

type ExtractFrameParams = z.output<typeof extractFrameModel.params>;

/** Saves the first, the last or the frame at a time as a PNG (lossless, so a VACE extension starts from the exact frame). */
export const extractFrame: LocalExecutor = {
  kind: 'local',
  async run(ctx) {
    const { video, at } = ctx.params as ExtractFrameParams;
    const out = join(ctx.workDir, 'image.png');
    await extract(video, at, out, { signal: ctx.signal });
    return { outputs: { image: out } };
  },
};
