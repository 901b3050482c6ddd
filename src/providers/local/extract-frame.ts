import { join } from 'node:path';
import { extractFrame as extract } from '../../media/still.js';
import { extractFrame as extractFrameModel } from '../../models/local/extract-frame.js';
import { localExecutor } from '../types.js';

/** Saves the first, the last or the frame at a time as a PNG (lossless, so a VACE extension starts from the exact frame). */
export const extractFrame = localExecutor(extractFrameModel, async (ctx) => {
  const { video, at } = ctx.params;
  const out = join(ctx.workDir, 'image.png');
  await extract(video, at, out, { signal: ctx.signal });
  return { outputs: { image: out } };
});
