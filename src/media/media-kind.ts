import { statSync } from 'node:fs';
import { ToolError, ffprobePath } from './binaries.js';
import { runProcess } from './process.js';
import { probe, probeDecoding } from './probe.js';
import { MediaError, type MediaInfo } from './types.js';

export type ExpectedKind = 'video' | 'image';

/** Why a file cannot stand where a video or an image is expected; `message` describes the file, not the fix's context. */
export interface KindProblem {
  kind: 'unreadable' | 'wrong-kind' | 'no-frames';
  /** What is wrong, to follow the file's name: "is an image (PNG, 64×48), not a video". */
  message: string;
  /** What was found, when ffprobe could read it. */
  found?: MediaInfo;
}

// Demuxers that read any text as a picture: a notes file must never pass as media.
const NOT_MEDIA_FORMATS = new Set(['tty']);
// Packets read to find a frame that decodes: past a damaged start, a real video shows one within these.
const PACKETS_TO_DECODE = 48;

/**
 * Whether a file is, by its content, the kind of media a parameter expects: ffprobe must read it, find the
 * right kind (a PNG is not a video, a video is not an image), and decode at least one frame (a container
 * whose frames are all damaged would otherwise pass until a step fails in ffmpeg's own words).
 * Answers are remembered per file version within the process: plan and run, and many steps, ask again.
 */
export function checkMediaKind(file: string, expected: ExpectedKind, signal?: AbortSignal): Promise<KindProblem | undefined> {
  let version: string;
  try {
    const { ino, size, mtimeMs } = statSync(file);
    version = `${file}\0${expected}\0${ino}\0${size}\0${mtimeMs}`;
  } catch {
    return Promise.resolve({ kind: 'unreadable', message: 'does not exist' });
  }
  let pending = answers.get(version);
  if (!pending) {
    pending = examine(file, expected, signal);
    answers.set(version, pending);
    pending.catch(() => answers.delete(version));
  }
  return pending;
}

const answers = new Map<string, Promise<KindProblem | undefined>>();

async function examine(file: string, expected: ExpectedKind, signal?: AbortSignal): Promise<KindProblem | undefined> {
  // Usually one ffprobe answers both questions: what the file is, and that its first frames decode (it is
  // remembered for the step that reads the file next). It reads the first packets of every stream, the
  // frame check below those of the video alone; when it finds no frame, or fails, the checks are made
  // one by one as they always were, so their answers and messages stay the same.
  const both = await probeDecoding(file, PACKETS_TO_DECODE, signal).catch((error: unknown) => {
    if (signal?.aborted) throw error;
    return undefined;
  });
  if (both && both.decoded > 0 && both.info.kind === expected && !NOT_MEDIA_FORMATS.has(both.info.format)) {
    both.keep();
    return undefined;
  }
  let info: MediaInfo;
  try {
    info = await probe(file, { signal });
  } catch (error) {
    // A missing ffprobe is said once by the caller, not as a flaw of every file.
    if (signal?.aborted || !(error instanceof MediaError) || error instanceof ToolError) throw error;
    return { kind: 'unreadable', message: `is not a video or an image ffmpeg can read (${reason(error.message, file)})` };
  }
  if (NOT_MEDIA_FORMATS.has(info.format)) return { kind: 'unreadable', message: 'is text, not a video or an image', found: info };
  if (info.kind !== expected) {
    const what = info.kind === 'image' ? `an image (${info.codec.toUpperCase()}, ${info.width}×${info.height})` : `a video (${info.codec}, ${info.width}×${info.height}, ${info.duration.toFixed(2)} s)`;
    return { kind: 'wrong-kind', message: `is ${what}, not ${expected === 'video' ? 'a video' : 'an image'}`, found: info };
  }
  if ((await decodableFrames(file, signal)) === 0) {
    return { kind: 'no-frames', message: `holds no frame ffmpeg can decode (its ${info.codec} data is damaged, truncated or missing; the container says ${info.frames} frames)`, found: info };
  }
  return undefined;
}

/** Frames that decode among the first packets of the first video stream. */
async function decodableFrames(file: string, signal?: AbortSignal): Promise<number> {
  try {
    const { stdout } = await runProcess(
      ffprobePath(),
      ['-v', 'quiet', '-read_intervals', `%+#${PACKETS_TO_DECODE}`, '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-print_format', 'json', file],
      { signal, file, tool: 'ffprobe' },
    );
    const frames = Number((JSON.parse(stdout) as { streams?: { nb_read_frames?: string }[] }).streams?.[0]?.nb_read_frames);
    return Number.isFinite(frames) ? frames : 0;
  } catch (error) {
    if (signal?.aborted) throw error;
    return 0;
  }
}

/** ffprobe's own reason without the file name it repeats. */
function reason(message: string, file: string): string {
  const text = message.replace(`${file} is not a readable video or image: `, '');
  return text.replace(/^ffprobe says: /, 'ffprobe: ').replace(`${file}: `, '');
}

/** How to fix a file of the wrong kind where `expected` is needed. */
export function kindFix(problem: KindProblem, expected: ExpectedKind): string {
  if (problem.kind === 'no-frames') return 'export the file again, or use another copy';
  return expected === 'video' ? 'give a video file (MP4, MOV, WebM …)' : 'give an image file (PNG, JPEG, WebP …), or take one frame of a video with a local/extract-frame step';
}
