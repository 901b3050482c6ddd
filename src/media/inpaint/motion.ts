import { blockMatches, type Matches } from './block-matches.js';
import { DirectAligner, type Reference, smoothed } from './direct-align.js';
import type { Box } from './frame.js';
import { type Level, LumaPyramid, toFull } from './luma-pyramid.js';
import { angleOf, applyX, applyY, compose, IDENTITY, invert, scaleOf, type Similarity, translation } from './similarity.js';
import { fitSimilarity } from './similarity-fit.js';
import { type Shift, wholePixelShift } from './translation-search.js';

/**
 * Base-level pixels a block is searched around where the expected motion puts it: the last motion (cameras
 * move smoothly, so a little), or the whole-pixel search's (which leaves zoom and turn to the blocks).
 */
const SMOOTH_RADIUS = 2;
const SEARCH_RADIUS = 3;
/** Base-level pixels within which a block's match agrees with a fitted motion. */
const AGREE = 1;
/** Fewer agreeing blocks than this and a fit is not trusted. */
const MIN_AGREEING = 8;
/**
 * Share of the current frame's samples the key frame must still show for the current frame to be aligned
 * with it; below the renewal share the current frame becomes the key frame for those after it.
 */
const MIN_KEY_OVERLAP = 0.3;
const RENEW_OVERLAP = 0.6;
/** Zoom (either way) and turn (radians) from the key frame beyond which it is renewed: its detail no longer matches. */
const RENEW_ZOOM = 1.25;
const RENEW_TURN = 0.2;

/**
 * The camera's motion between consecutive frames as a similarity (zoom, roll, pan, to a fraction of a pixel),
 * from their luma with the fill region (where the object is) left out, so the object's own motion cannot pass
 * for the camera's. Coarse to fine:
 *
 * 1. Blocks of the base level (about 320 px wide) are matched around where the last motion puts them (cameras
 *    move smoothly), and a similarity is fitted to the matches by RANSAC (similarity-fit.ts): blocks on a
 *    nearer layer (parallax) or on something moving that nobody masked are outvoted. When too few blocks
 *    agree (the camera jerked), a whole-pixel search over a small pyramid (translation-search.ts) finds the
 *    pan first, with no guess, and the blocks are matched around that.
 * 2. Robust direct alignment of the full-resolution luma from there (direct-align.ts), to about a hundredth
 *    of a pixel on textured footage — against a key frame rather than the frame before, so the small errors of
 *    each frame do not add up along the clip: a still camera stays still, frame 1000 as frame 1. The key frame
 *    is renewed when the camera has moved, zoomed or turned too far from it.
 */
export class MotionEstimator {
  private readonly pyramid: LumaPyramid;
  private readonly aligner = new DirectAligner();
  private previous: { full: Level; levels: Level[] } | undefined;
  /** The key frame, smoothed: a copy, as frames are handed on and changed once compared. */
  private key: Reference | undefined;
  /** The frame before, smoothed, when the key frame does not show enough of the current one. */
  private scratch: Reference | undefined;
  /** The frame before → the key frame. */
  private toKey: Similarity = IDENTITY;
  private last: Similarity = IDENTITY;
  private matches: Matches | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pyramid = new LumaPyramid(width, height);
  }

  /**
   * Takes the next frame's luma and fill weights (0 = background); returns how it maps onto the frame before:
   * current pixel (x, y) shows what the frame before showed at model(x, y). The identity for the first frame.
   */
  next(luma: Uint8Array, weight: Uint8Array, box: Box | undefined): Similarity {
    const current = this.pyramid.build(luma, weight, box);
    const before = this.previous;
    this.pyramid.recycle(before?.full, before?.levels);
    this.previous = current;
    if (!before) {
      this.renewKey(current.full);
      return IDENTITY;
    }
    const rough = this.rough(current, before);
    this.aligner.template(current.full);
    const key = this.aligner.align(this.key!, compose(this.toKey, rough));
    let toKey: Similarity;
    if (key && key.overlap >= MIN_KEY_OVERLAP) toKey = key.model;
    else toKey = compose(this.toKey, this.aligner.align((this.scratch = smoothed(before.full, this.scratch)), rough)?.model ?? rough);
    const motion = compose(invert(this.toKey), toKey);
    this.last = motion;
    const zoom = scaleOf(toKey);
    if (!key || key.overlap < RENEW_OVERLAP || zoom > RENEW_ZOOM || zoom < 1 / RENEW_ZOOM || Math.abs(angleOf(toKey)) > RENEW_TURN) {
      this.renewKey(current.full);
      toKey = IDENTITY;
    }
    this.toKey = toKey;
    return motion;
  }

  /** The motion to the frame before, to a base-level pixel or so. */
  private rough(current: { full: Level; levels: Level[] }, before: { full: Level; levels: Level[] }): Similarity {
    const base = current.levels[0]!;
    const prior = before.levels[0]!;
    const expected = this.fit(base, prior, this.last, SMOOTH_RADIUS);
    if (expected) return expected;
    const { width, height } = this;
    const cx = (width - 1) / 2;
    const cy = (height - 1) / 2;
    const hint = { dx: applyX(this.last, cx, cy) - cx, dy: applyY(this.last, cx, cy) - cy };
    const shift = wholePixelShift(current.levels, before.levels, current.full, before.full, hint);
    const pan = translation(shift.dx, shift.dy);
    const zooming = this.last.a !== 1 || this.last.b !== 0;
    return (zooming ? this.fit(base, prior, aboutCentre(this.last, shift, cx, cy), SEARCH_RADIUS) : undefined) ?? this.fit(base, prior, pan, SEARCH_RADIUS) ?? pan;
  }

  /** The similarity the base level's blocks agree on, starting from `expected` (full-resolution pixels). */
  private fit(cur: Level, prev: Level, expected: Similarity, radius: number): Similarity | undefined {
    const s = cur.scale;
    const toBase = { a: s, b: 0, tx: toFull(0, s), ty: toFull(0, s) };
    const guess = compose(invert(toBase), compose(expected, toBase));
    this.matches = blockMatches(cur, prev, guess, radius, this.matches);
    const { model, inliers } = fitSimilarity(this.matches, guess, AGREE);
    if (inliers < Math.max(MIN_AGREEING, this.matches.count / 2)) return undefined;
    return compose(toBase, compose(model, invert(toBase)));
  }

  private renewKey(frame: Level): void {
    this.key = smoothed(frame, this.key);
  }
}

/** `model`'s zoom and turn, with the frame's centre (cx, cy) moved by `shift`. */
function aboutCentre(model: Similarity, shift: Shift, cx: number, cy: number): Similarity {
  const { a, b } = model;
  return { a, b, tx: cx + shift.dx - (a * cx - b * cy), ty: cy + shift.dy - (b * cx + a * cy) };
}
