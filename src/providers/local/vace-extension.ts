import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { extensionTimeline, type Anchor, type AnchorFrame } from '../../media/extension-timeline.js';
import { mixFrames, zoomFrame } from '../../media/frame-ops.js';
import { frameBytes, openFrameWriter } from '../../media/frames.js';
import { probe } from '../../media/probe.js';
import { decodeToRawFile, RawFrameFile } from '../../media/raw-frame-file.js';
import { capTo720p, type Size } from '../../media/size-cap.js';
import type { MediaInfo } from '../../media/types.js';
import { videoExtension } from '../../models/dashscope/video-extension.js';
import { localExecutor, PermanentError, type ExecContext } from '../types.js';
import { frameProgress } from './progress.js';

type ExtensionParams = z.output<typeof videoExtension.params>;

/** The hosted function's limit on the clips, alone or together. */
const MAX_CLIP_SECONDS = 3;
const MIN_FPS = 16;
/** Shorter clips are continued as stills: back and forth over a handful of frames flashes. */
const MIN_CLIP_SECONDS = 0.3;
/** Frame rate of an extension made from stills only (the hosted model's output rate). */
/** The hosted function returns 30 fps whatever it was given (Model Studio: "720P, at most 5 s, 30 fps"). */
const OUTPUT_FPS = 30;

interface AnchorInput {
  param: 'first_clip_url' | 'first_frame_url' | 'last_clip_url' | 'last_frame_url';
  file: string;
  info: MediaInfo;
  clip: boolean;
}

/**
 * Offline preview of Wan2.1-VACE video extension: the same 5 s in total, made only from what it is given. An
 * opening clip plays and then ping-pongs over itself (slowing to rest at each turn); an opening frame is
 * slowly pushed into; a closing clip or frame gets the mirror image as its lead-in; with both, the output
 * crossfades from the one to the other (see extensionTimeline). Nothing new is generated: the prompt, the
 * motion reference (video_url, control_condition), seed and watermark are not honoured.
 *
 * Output: 30 fps like the hosted function (clips are resampled, so a variable rate plays at its own pace); the opening (else closing) anchor's size, cropped
 * to cover it where the other anchor differs, within 720P and even. Clips longer than the hosted function
 * takes (3 s, alone or together) are refused, so a recipe that runs offline also runs online. The clips are
 * decoded once into raw frame files in the work folder and read back frame by frame, so memory stays a few
 * frames whatever the size.
 */
export const vaceExtension = localExecutor(videoExtension, async (ctx) => {
  const params = ctx.params;
  const { signal } = ctx;
  if (params.video_url) ctx.warn('video_url (the motion reference) and control_condition are not followed offline: the motion comes from the clips and frames alone');
  const head = await chooseAnchor(ctx, params, 'first_clip_url', 'first_frame_url');
  const tail = await chooseAnchor(ctx, params, 'last_clip_url', 'last_frame_url');
  if (!head && !tail) {
    throw new PermanentError('video_extension needs something to extend: give first_clip_url, last_clip_url, first_frame_url or last_frame_url');
  }
  checkClipLengths([head, tail]);

  const headClip = head?.clip ? head : undefined;
  const tailClip = tail?.clip ? tail : undefined;
  const fps = OUTPUT_FPS;
  for (const clip of [headClip, tailClip]) {
    if (!clip) continue;
    if (clip.info.fps < MIN_FPS) ctx.warn(`${clip.param} runs at ${clip.info.fps} fps; the hosted function needs at least ${MIN_FPS} fps and would refuse it`);
    if (clip !== headClip && headClip && Math.abs(clip.info.fps - headClip.info.fps) > 0.01) {
      ctx.warn(`${clip.param} runs at ${clip.info.fps} fps and ${headClip.param} at ${headClip.info.fps} fps; the hosted function wants the same rate`);
    }
  }
  const first = (head ?? tail)!;
  const size = capTo720p(first.info);
  const total = Math.round(params.duration * fps);

  const files: string[] = [];
  const sources: RawFrameFile[] = [];
  const load = async (anchor: AnchorInput | undefined, name: string): Promise<{ anchor: Anchor; frames: RawFrameFile } | undefined> => {
    if (!anchor) return undefined;
    const file = join(ctx.workDir, `${name}.rgb`);
    files.push(file);
    const resample = anchor.clip ? { fps } : {};
    const flattenAlpha = /^(rgba|bgra|argb|abgr|ya|yuva|gbrap)/.test(anchor.info.pixFmt);
    if (flattenAlpha) ctx.warn(`${anchor.param} has transparency; offline it is laid over black`);
    const count = await decodeToRawFile(anchor.file, file, { ...size, ...resample, maxFrames: anchor.clip ? Math.round(MAX_CLIP_SECONDS * fps) : 1, flattenAlpha, signal });
    const frames = await RawFrameFile.open(file, size.width, size.height);
    sources.push(frames);
    return { anchor: anchor.clip ? { kind: 'clip', frames: count } : { kind: 'still' }, frames };
  };

  const out = join(ctx.workDir, 'video.mp4');
  try {
    const headSource = await load(head, 'head');
    const tailSource = await load(tail, 'tail');
    const timeline = extensionTimeline(total, headSource?.anchor, tailSource?.anchor);
    const bytes = frameBytes(size.width, size.height, 'rgb24');
    const headFrame = Buffer.allocUnsafe(bytes);
    const tailFrame = Buffer.allocUnsafe(bytes);
    const frame = Buffer.allocUnsafe(bytes);
    const writer = openFrameWriter(out, { ...size, fps, pixFmt: 'rgb24', signal });
    const progress = frameProgress(ctx, total);
    try {
      for (const step of timeline) {
        const a = step.head && headSource ? await render(headSource.frames, step.head, size, headFrame) : undefined;
        const b = step.tail && tailSource ? await render(tailSource.frames, step.tail, size, tailFrame) : undefined;
        if (a && b) mixFrames(a, b, step.mix, frame);
        await writer.write(a && b ? frame : (a ?? b)!);
        progress(writer.frames);
      }
      await writer.end();
    } catch (error) {
      writer.abort();
      throw error;
    }
  } finally {
    await Promise.all(sources.map((source) => source.close()));
    // The raw frames are large (a 3 s clip at 720P is about 250 MB) and no longer needed.
    await Promise.all(files.map((file) => rm(file, { force: true })));
  }
  return { outputs: { video: out } };
});

/** The clip if given, else the frame; both given is allowed, but only the clip is used. */
async function chooseAnchor(
  ctx: ExecContext,
  params: ExtensionParams,
  clipParam: 'first_clip_url' | 'last_clip_url',
  frameParam: 'first_frame_url' | 'last_frame_url',
): Promise<AnchorInput | undefined> {
  const clip = params[clipParam];
  const still = params[frameParam];
  if (clip && still) ctx.warn(`both ${clipParam} and ${frameParam} are given; offline, ${clipParam} is used and ${frameParam} is not`);
  const file = clip ?? still;
  if (!file) return undefined;
  const info = await probe(file, { signal: ctx.signal });
  const param = file === clip ? clipParam : frameParam;
  // A still image given as a clip is used as a still; so is a clip too short to play back and forth
  // (a few frames would flash, not move).
  const tooShort = info.kind === 'video' && info.duration < MIN_CLIP_SECONDS;
  if (file === clip && tooShort) ctx.warn(`${clipParam} is ${info.duration.toFixed(2)} s long, too short to continue as a clip; offline, its first frame is used as a still`);
  return { param, file, info, clip: file === clip && info.kind === 'video' && !tooShort };
}

function checkClipLengths(anchors: (AnchorInput | undefined)[]): void {
  const clips = anchors.filter((a): a is AnchorInput => a?.clip === true);
  // Half a frame of slack: a 3 s clip's container duration is often a hair over 3 s.
  const seconds = (a: AnchorInput): number => (a.info.fps > 0 && a.info.frames > 0 ? a.info.frames / a.info.fps : a.info.duration);
  const slack = (a: AnchorInput): number => (a.info.fps > 0 ? 0.5 / a.info.fps : 0.02);
  for (const clip of clips) {
    if (seconds(clip) > MAX_CLIP_SECONDS + slack(clip)) {
      throw new PermanentError(
        `${clip.param} ${clip.file} is ${seconds(clip).toFixed(2)} s long; video_extension takes a clip of at most ${MAX_CLIP_SECONDS} s ` +
          `(the hosted function refuses longer ones, and offline follows it). Cut it first with a local/trim step (e.g. duration: ${MAX_CLIP_SECONDS}, or last: ${MAX_CLIP_SECONDS})`,
      );
    }
  }
  if (clips.length === 2) {
    const together = seconds(clips[0]!) + seconds(clips[1]!);
    if (together > MAX_CLIP_SECONDS + slack(clips[0]!) + slack(clips[1]!)) {
      throw new PermanentError(
        `first_clip_url and last_clip_url are ${together.toFixed(2)} s long together; video_extension takes at most ${MAX_CLIP_SECONDS} s of clips in all. ` +
          'Shorten them with local/trim steps',
      );
    }
  }
}

/** One anchor's frame for one output frame, in `out` (or the shared decoded frame itself when it is a whole frame). */
async function render(frames: RawFrameFile, what: AnchorFrame, size: Size, out: Buffer): Promise<Buffer> {
  if ('zoom' in what) {
    zoomFrame(await frames.read(0), size.width, size.height, what.zoom, out);
    return out;
  }
  const index = Math.floor(what.position + 1e-6);
  const t = what.position - index;
  if (t < 1e-3 || index + 1 >= frames.frames) return frames.read(index);
  mixFrames(await frames.read(index), await frames.read(index + 1), t, out);
  return out;
}
