import { blockMatches, type Matches } from './block-matches.js';
import { DirectAligner } from './direct-align.js';
import type { Box } from './frame.js';
import { type Level, LumaPyramid, toFull } from './luma-pyramid.js';
import { applyX, applyY, compose, IDENTITY, invert, type Similarity, translation } from './similarity.js';
import { fitSimilarity } from './similarity-fit.js';
import { type Shift, wholePixelShift } from './translation-search.js';

/** Base-level pixels a block is searched around where the expected motion puts it. */
const BLOCK_RADIUS = 3;
/** Base-level pixels within which a block's match agrees with a fitted motion. */
const AGREE = 1;
/** Fewer agreeing blocks than this and the fit is not trusted over the whole-pixel shift. */
const MIN_AGREEING = 8;

/**
 * The camera's motion between consecutive frames as a similarity (zoom, roll, pan, to a fraction of a pixel),
 * from their luma with the fill region (where the object is) left out, so the object's own motion cannot pass
 * for the camera's. Three stages, coarse to fine:
 *
 * 1. A whole-pixel translation on a small pyramid (translation-search.ts): large pans, found without a guess.
 * 2. Blocks of the base level (about 320 px wide) matched around where that shift — with the zoom and turn of
 *    the frame before, as cameras zoom smoothly — puts them, and a similarity fitted to the matches by RANSAC:
 *    blocks on a nearer layer (parallax) or on something moving that nobody masked are outvoted.
 * 3. Robust direct alignment of the full-resolution luma from there (direct-align.ts), to a hundredth of a
 *    pixel on textured footage.
 */
export class MotionEstimator {
  private readonly pyramid: LumaPyramid;
  private readonly aligner = new DirectAligner();
  private previous: { full: Level; levels: Level[] } | undefined;
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
    if (!before) return IDENTITY;
    const { width, height } = this;
    const cx = (width - 1) / 2;
    const cy = (height - 1) / 2;
    const hint = { dx: applyX(this.last, cx, cy) - cx, dy: applyY(this.last, cx, cy) - cy };
    const shift = wholePixelShift(current.levels, before.levels, current.full, before.full, hint);
    // Expected: the last frame's zoom and turn, with the centre moved by the shift just found.
    const zooming = this.last.a !== 1 || this.last.b !== 0;
    const expected = zooming ? aboutCentre(this.last, shift, cx, cy) : translation(shift.dx, shift.dy);
    let model = this.fit(current.levels[0]!, before.levels[0]!, expected);
    if (!model && zooming) model = this.fit(current.levels[0]!, before.levels[0]!, translation(shift.dx, shift.dy));
    const found = this.aligner.refine(current.full, before.full, model ?? translation(shift.dx, shift.dy));
    this.last = found;
    return found;
  }

  /** The similarity the base level's blocks agree on, starting from `expected` (full-resolution pixels). */
  private fit(cur: Level, prev: Level, expected: Similarity): Similarity | undefined {
    const s = cur.scale;
    const toBase = { a: s, b: 0, tx: toFull(0, s), ty: toFull(0, s) };
    const guess = compose(invert(toBase), compose(expected, toBase));
    this.matches = blockMatches(cur, prev, guess, BLOCK_RADIUS, this.matches);
    const { model, inliers } = fitSimilarity(this.matches, guess, AGREE);
    if (inliers < Math.max(MIN_AGREEING, this.matches.count / 4)) return undefined;
    return compose(toBase, compose(model, invert(toBase)));
  }
}

/** `model`'s zoom and turn, with the frame's centre (cx, cy) moved by `shift`. */
function aboutCentre(model: Similarity, shift: Shift, cx: number, cy: number): Similarity {
  const { a, b } = model;
  return { a, b, tx: cx + shift.dx - (a * cx - b * cy), ty: cy + shift.dy - (b * cx + a * cy) };
}
