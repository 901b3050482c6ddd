/**
 * The shape of a local video extension, frame by frame, as numbers only: which frame of which anchor to show
 * and how to blend. The anchors are what Wan2.1-VACE's video_extension takes: an opening clip or frame (the
 * "head", which the output starts with) and a closing clip or frame (the "tail", which it ends with).
 */

/** A clip of `frames` frames, or a still image. */
export type Anchor = { kind: 'clip'; frames: number } | { kind: 'still' };

/**
 * What to take from one anchor for one output frame: a position in a clip (a fraction blends the two
 * neighbouring frames), or a zoom of a still (1 = the still as is).
 */
export type AnchorFrame = { position: number } | { zoom: number };

export interface TimelineFrame {
  head?: AnchorFrame;
  tail?: AnchorFrame;
  /** 0 = the head's frame alone, 1 = the tail's alone, between: a crossfade. */
  mix: number;
}

/** How far a still is pushed into over the whole output: 1.15 = the centre 87 % of it fills the frame at the end. */
export const PUSH_IN_ZOOM = 1.15;

/**
 * Every output frame of an extension of `total` frames. Given a head only, the output starts with it; a tail
 * only, the output ends with it; both, the output starts with the head, ends with the tail and crossfades from
 * one to the other in between.
 *
 * - A head clip plays as is, then continues as a ping-pong of itself: back and forth over its frames on a
 *   cosine, so the motion slows to a stop at each turn instead of reversing at once, never faster than the clip.
 * - A tail clip is the mirror image: it is led into by the same ping-pong, run backwards in time, arriving at
 *   its first frame at rest, then plays as is.
 * - A still is pushed into slowly (a gentle zoom that eases in and out), or as a tail, pulled back out of
 *   until it stands as is in the last frame.
 */
export function extensionTimeline(total: number, head?: Anchor, tail?: Anchor): TimelineFrame[] {
  if (!head && !tail) throw new Error('an extension needs a head or a tail anchor');
  const headFrames = head ? anchorLength(head) : 0;
  const tailFrames = tail ? anchorLength(tail) : 0;
  if (headFrames + tailFrames > total) throw new Error(`the anchors have ${headFrames + tailFrames} frames, more than the ${total} of the output`);
  const frames: TimelineFrame[] = [];
  for (let k = 0; k < total; k++) {
    const mix = !tail ? 0 : !head ? 1 : crossfade(k, headFrames - 1, total - tailFrames);
    frames.push({
      ...(head && mix < 1 ? { head: headFrame(head, k, total) } : {}),
      ...(tail && mix > 0 ? { tail: tailFrame(tail, k, total) } : {}),
      mix,
    });
  }
  return frames;
}

/** Frames of the output that must show the anchor as it is. */
function anchorLength(anchor: Anchor): number {
  return anchor.kind === 'clip' ? anchor.frames : 1;
}

function headFrame(anchor: Anchor, k: number, total: number): AnchorFrame {
  if (anchor.kind === 'still') return { zoom: pushIn(k / Math.max(1, total - 1)) };
  const n = anchor.frames;
  return { position: k < n ? k : n - 1 - pingPong(k - (n - 1), n) };
}

function tailFrame(anchor: Anchor, k: number, total: number): AnchorFrame {
  if (anchor.kind === 'still') return { zoom: pushIn(1 - k / Math.max(1, total - 1)) };
  const n = anchor.frames;
  const start = total - n;
  return { position: k >= start ? k - start : pingPong(start - k, n) };
}

/**
 * How far (in frames, 0 … n−1) a ping-pong has moved away from the clip's end it started at, `j` frames after
 * starting: a cosine from rest at one end to rest at the other, whose top speed is one frame per frame.
 */
export function pingPong(j: number, n: number): number {
  if (n <= 1) return 0;
  const span = n - 1;
  const halfPeriod = (span * Math.PI) / 2;
  return (span * (1 - Math.cos((Math.PI * j) / halfPeriod))) / 2;
}

/** The zoom of a push-in `u` of the way through (0 … 1), eased in and out. */
export function pushIn(u: number): number {
  return 1 + ((PUSH_IN_ZOOM - 1) * (1 - Math.cos(Math.PI * Math.min(1, Math.max(0, u))))) / 2;
}

/** 0 up to frame `from`, 1 from frame `to` on, a smoothstep in between. */
export function crossfade(k: number, from: number, to: number): number {
  if (k <= from) return 0;
  if (k >= to) return 1;
  const t = (k - from) / (to - from);
  return t * t * (3 - 2 * t);
}
