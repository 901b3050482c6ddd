import { join } from 'node:path';
import { BorderFill } from '../../media/border-fill.js';
import { frameBytes, openFrameWriter, readFrames } from '../../media/frames.js';
import { even } from '../../media/h264.js';
import { outpaintGeometry } from '../../media/outpaint-geometry.js';
import { probe } from '../../media/probe.js';
import { videoOutpainting } from '../../models/dashscope/video-outpainting.js';
import { localExecutor } from '../types.js';
import { frameProgress } from './progress.js';

/** The hosted function returns at most this much of the input (longer input is cut to its first 5 s). */
const MAX_SECONDS = 5;
const MIN_FPS = 16;
/** The hosted function returns 30 fps whatever it was given (Model Studio: "720P, at most 5 s, 30 fps"). */
const OUTPUT_FPS = 30;

/**
 * Offline preview of Wan2.1-VACE frame expansion: the canvas is widened by the four scales (see
 * outpaintGeometry) and the new border painted from the picture itself, mirrored at its edges and dissolving
 * into a blur that is steady over time (see BorderFill). Nothing new is generated: the prompt, seed and
 * watermark are not honoured. Like the hosted function, the output is 30 fps (the input resampled, so a
 * variable rate plays at its own pace), silent, cut to 5 s and scaled down to fit 720P (see scaleTo720p). Frames stream through,
 * so memory does not grow with the length or size of the video.
 */
export const vaceOutpainting = localExecutor(videoOutpainting, async (ctx) => {
  const params = ctx.params;
  const { signal } = ctx;
  const info = await probe(params.video_url, { signal });
  const fps = OUTPUT_FPS;
  const geometry = outpaintGeometry(info, { top: params.top_scale, bottom: params.bottom_scale, left: params.left_scale, right: params.right_scale });
  const { content, canvas } = geometry;

  const maxFrames = Math.round(MAX_SECONDS * fps);
  const expected = Math.min(maxFrames, Math.round(info.duration * fps) || maxFrames);
  if (info.duration > MAX_SECONDS + 0.5 / fps) ctx.warn(`${params.video_url} is ${info.duration.toFixed(2)} s long; like the hosted function, only its first ${MAX_SECONDS} s are widened`);
  if (info.fps > 0 && info.fps < MIN_FPS) ctx.warn(`${params.video_url} runs at ${info.fps} fps; the hosted function needs at least ${MIN_FPS} fps and would refuse it`);
  if (content.width < even(info.width) || content.height < even(info.height)) {
    ctx.warn(
      `the ${canvas.width}x${canvas.height} output is kept within 720P (1280x720, or 720x1280 portrait) as the hosted function does, ` +
        `so the picture is scaled from ${info.width}x${info.height} to ${content.width}x${content.height}`,
    );
  }

  const fill = new BorderFill(geometry);
  const out = join(ctx.workDir, 'video.mp4');
  const writer = openFrameWriter(out, { width: canvas.width, height: canvas.height, fps, pixFmt: 'rgb24', signal });
  const frame = Buffer.allocUnsafe(frameBytes(canvas.width, canvas.height, 'rgb24'));
  const resize = content.width !== info.width || content.height !== info.height ? { width: content.width, height: content.height } : {};
  const progress = frameProgress(ctx, expected);
  try {
    for await (const picture of readFrames(params.video_url, { pixFmt: 'rgb24', fps, signal, ...resize })) {
      fill.fill(picture, frame);
      await writer.write(frame);
      progress(writer.frames);
      // Leaving the loop stops the decoder: the rest of a long input is never read.
      if (writer.frames >= maxFrames) break;
    }
    await writer.end();
  } catch (error) {
    writer.abort();
    throw error;
  }
  return { outputs: { video: out } };
});
