import { join } from 'node:path';
import { openFrameWriter, readFrames } from '../../media/frames.js';
import { MaskConverter } from '../../media/mask.js';
import { probe } from '../../media/probe.js';
import { MediaError } from '../../media/types.js';
import { mask as maskModel } from '../../models/local/mask.js';
import { localExecutor } from '../types.js';
import { frameProgress } from './progress.js';

/**
 * Converts a mask video frame by frame (threshold, invert, dilate, target levels) into a video of the same size,
 * frame rate and frame count. It is encoded losslessly: a lossy encoder would blur the edges into
 * in-between greys and the quadmask levels would no longer be exact.
 */
export const mask = localExecutor(maskModel, async (ctx) => {
  const params = ctx.params;
  const { signal } = ctx;
  const info = await probe(params.mask, { signal });
  const { width, height } = info;
  if (width % 2 || height % 2) {
    throw new MediaError(
      `${params.mask} is ${width}x${height}; the mask is written as H.264 (yuv420p), which needs an even width and height. ` +
        'Resize it first with a local/transcode step.',
      params.mask,
    );
  }
  const converter = new MaskConverter(width, height, params);
  const out = join(ctx.workDir, 'video.mp4');
  const writer = openFrameWriter(out, { width, height, fps: info.fps || 25, pixFmt: 'gray', lossless: true, signal });
  const converted = Buffer.allocUnsafe(width * height);
  const progress = frameProgress(ctx, info.frames);
  try {
    for await (const frame of readFrames(params.mask, { pixFmt: 'gray', signal })) {
      await writer.write(converter.convert(frame, converted));
      progress(writer.frames);
    }
    await writer.end();
  } catch (error) {
    writer.abort();
    throw error;
  }
  return { outputs: { video: out } };
});
