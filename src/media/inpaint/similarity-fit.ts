import type { Matches } from './block-matches.js';
import { applyX, applyY, type Similarity } from './similarity.js';

/**
 * Random pairs tried, at most: with half the matches on the camera's motion, the chance of never drawing two
 * of them is 0.75¹²⁸. Fewer when more agree (see `enough`).
 */
const TRIALS = 128;
const MIN_TRIALS = 8;
/** Wanted chance that some pair drawn was all on the camera's motion. */
const CONFIDENCE = 0.999;
/** Pairs closer than this (level pixels) pin down a turn or a zoom too loosely to be worth scoring. */
const MIN_SPREAD = 4;

/**
 * The similarity most matches agree on, and which matches agree: RANSAC (Fischler & Bolles, 1981) over pairs
 * of matches, each pair fixing a similarity, scored by MSAC's truncated squared error (Torr & Zisserman,
 * 2000) so the fit tightens as well as counts; then least squares over the agreeing matches, twice. Blocks on
 * a moving object nobody masked, or on a nearer layer of the scene (parallax), disagree with the camera's
 * motion and are left out rather than averaged in. `prior` (the motion expected) competes with the pairs, so
 * a frame with few matches keeps it.
 *
 * Deterministic: the pairs come from a fixed pseudo-random sequence, so a clip always gives the same motion.
 */
export function fitSimilarity(matches: Matches, prior: Similarity, threshold: number): { model: Similarity; inliers: number } {
  const n = matches.count;
  const t2 = threshold * threshold;
  let best = prior;
  let bestScore = score(matches, prior, t2);
  let trials = enough(countInliers(matches, prior, t2), n);
  let state = 0x9e3779b9;
  const random = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % n;
  for (let trial = 0; trial < trials && n >= 2; trial++) {
    const i = random();
    const j = random();
    const model = fromPair(matches, i, j);
    if (!model) continue;
    const s = score(matches, model, t2);
    if (s < bestScore) {
      bestScore = s;
      best = model;
      trials = Math.min(trials, enough(countInliers(matches, model, t2), n));
    }
  }
  let inliers = countInliers(matches, best, t2);
  for (let round = 0; round < 2 && inliers >= 2; round++) {
    const refit = leastSquares(matches, best, t2);
    if (!refit) break;
    best = refit;
    inliers = countInliers(matches, best, t2);
  }
  return { model: best, inliers };
}

/** Pairs to draw so that, with `inliers` of `n` matches agreeing, one pair is all agreeing with CONFIDENCE (Hartley & Zisserman, 4.7.1). */
function enough(inliers: number, n: number): number {
  const share = n ? inliers / n : 0;
  if (share <= 0) return TRIALS;
  if (share >= 1) return MIN_TRIALS;
  return Math.max(MIN_TRIALS, Math.min(TRIALS, Math.ceil(Math.log(1 - CONFIDENCE) / Math.log(1 - share * share))));
}

function fromPair(m: Matches, i: number, j: number): Similarity | undefined {
  const px = m.x[j]! - m.x[i]!;
  const py = m.y[j]! - m.y[i]!;
  const spread = px * px + py * py;
  if (spread < MIN_SPREAD * MIN_SPREAD) return undefined;
  const qx = m.u[j]! - m.u[i]!;
  const qy = m.v[j]! - m.v[i]!;
  // As complex numbers: q = α·p, α = q / p.
  const a = (qx * px + qy * py) / spread;
  const b = (qy * px - qx * py) / spread;
  return { a, b, tx: m.u[i]! - (a * m.x[i]! - b * m.y[i]!), ty: m.v[i]! - (b * m.x[i]! + a * m.y[i]!) };
}

function error2(m: Matches, model: Similarity, k: number): number {
  const dx = applyX(model, m.x[k]!, m.y[k]!) - m.u[k]!;
  const dy = applyY(model, m.x[k]!, m.y[k]!) - m.v[k]!;
  return dx * dx + dy * dy;
}

function score(m: Matches, model: Similarity, t2: number): number {
  let sum = 0;
  for (let k = 0; k < m.count; k++) sum += Math.min(t2, error2(m, model, k));
  return sum;
}

function countInliers(m: Matches, model: Similarity, t2: number): number {
  let n = 0;
  for (let k = 0; k < m.count; k++) if (error2(m, model, k) < t2) n++;
  return n;
}

/** The least-squares similarity over the matches within the threshold of `model`. */
function leastSquares(m: Matches, model: Similarity, t2: number): Similarity | undefined {
  let n = 0;
  let mx = 0;
  let my = 0;
  let mu = 0;
  let mv = 0;
  for (let k = 0; k < m.count; k++) {
    if (error2(m, model, k) >= t2) continue;
    n++;
    mx += m.x[k]!;
    my += m.y[k]!;
    mu += m.u[k]!;
    mv += m.v[k]!;
  }
  if (n < 2) return undefined;
  mx /= n;
  my /= n;
  mu /= n;
  mv /= n;
  let pp = 0;
  let dot = 0;
  let cross = 0;
  for (let k = 0; k < m.count; k++) {
    if (error2(m, model, k) >= t2) continue;
    const px = m.x[k]! - mx;
    const py = m.y[k]! - my;
    const qx = m.u[k]! - mu;
    const qy = m.v[k]! - mv;
    pp += px * px + py * py;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
  }
  if (pp <= 0) return undefined;
  const a = dot / pp;
  const b = cross / pp;
  return { a, b, tx: mu - (a * mx - b * my), ty: mv - (b * mx + a * my) };
}
