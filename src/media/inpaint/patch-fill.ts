import type { Box } from './frame.js';
import { pushPull } from './spatial-fill.js';

/**
 * Texture synthesis for what no frame ever showed: every patch of the hole is made a copy of some patch of
 * the surroundings, so the fill has their grain and structure rather than a smooth blend.
 *
 * Image completion as in Wexler, Shechtman and Irani ("Space-time completion of video", 2007), with the
 * nearest-neighbour search of PatchMatch (Barnes et al., 2009), on a pyramid of the area around the hole:
 *
 * - The coarsest level is filled from the boundary inwards, each pixel from the best match of what is known
 *   around it, which carries the surroundings' large structure into the hole.
 * - Then at each level, coarsest first: for every patch overlapping the hole find a similar patch lying
 *   wholly in the known part (a nearest-neighbour field, improved by propagating good matches from
 *   neighbours and by random search around the best so far), and set each hole pixel to the mean of what the
 *   patches covering it say (voting). A finer level starts from the coarser field, doubled, so the layout
 *   found cheaply at the top is kept and finer levels only refine it.
 * - At full resolution the doubled field is used as it is (good to a pixel or two; searching this level
 *   would cost four times all the others), and each hole pixel takes its copy in the patch centred on it
 *   rather than the mean of the patches covering it: a mean of copies that disagree in the grain cancels the
 *   grain out, and the fill would look smoother than its surroundings. (Taking the best-matching of the
 *   nearby patches instead made no visible difference, for the cost of comparing them.)
 *
 * Deterministic: the random search draws from a generator with a fixed seed, so the same input gives the
 * same fill (the cache and the second pass's decoding again rely on that).
 */

/** Patch radius: 7×7 patches, small enough for fine texture, large enough to carry a grain's structure. */
const R = 3;
const SIDE = 2 * R + 1;

/** Stop adding coarser levels once the hole is this small: a few patches across is structure enough. */
const COARSEST_HOLE = 16;
const MAX_LEVELS = 6;
/** A level needs room around the hole for whole patches to copy from. */
const MIN_LEVEL_SIDE = 3 * SIDE;

/**
 * Search-and-vote rounds per level, from full resolution (index 0) up, the last for the coarsest level
 * whichever it is (a small hole has only one). The coarse levels decide the layout and are cheap: more
 * rounds there make larger coherent copies (with [0, 1, 2, 3] a quarter-frame hole came out a busy
 * patchwork of small pieces beside the surroundings' broad shapes).
 */
const ROUNDS = [0, 2, 4, 6];
/** Random search radius below the coarsest level: the coarser field already placed each patch, roughly. */
const REFINE_RADIUS = 16;
/**
 * Patch comparisons the boundary-inward start may make (hole pixels × sources at the coarsest level). The
 * pyramid normally makes both small; when the area around the hole is too small for it to, every n-th source
 * is tried instead of all, so the start costs no more.
 */
const PEEL_BUDGET = 400_000;

/** What the synthesis copied where, for other planes to follow (see `followField`). */
export interface PatchField {
  /** The area synthesized, in the plane's coordinates. */
  area: Box;
  /**
   * Per pixel of `area` (row length = its width), taken as a patch centre: the centre of the known patch it
   * copies, as an index into the area; -1 where no synthesized patch is centred.
   */
  source: Int32Array;
}

interface Level {
  w: number;
  h: number;
  values: Float32Array;
  /** 1 where the value is real (seen background); everything else is synthesized, and how much that is. */
  known: Uint8Array;
  unknownCount: number;
  /** Bounding box of the unknown pixels. */
  box: Box | undefined;
  /** 1 at the centre of each patch lying wholly in the known part; how many; their list, once asked for. */
  isSource: Uint8Array;
  sourceCount: number;
  sources?: Int32Array;
  /** Centres of the patches that overlap an unknown pixel, in raster order. */
  targets: Int32Array;
}

/**
 * Fills the `hole` pixels of `plane` inside `area` (row length `stride`) with texture from the `known` pixels
 * of the same area, and marks them known. Pixels in `area` that are neither are synthesized too, as context,
 * but not written. Returns what was copied where, or undefined when the area has no wholly known patch to
 * copy from (nothing is written then).
 *
 * `stop` is asked between search rounds: a synthesis started ahead of time (see texture-speculation.ts) whose
 * input has changed since gives up there, having written nothing, rather than keep a core busy.
 */
export function synthesizeTexture(plane: Uint8Array, stride: number, known: Uint8Array, hole: Uint8Array, area: Box, stop?: () => boolean): PatchField | undefined {
  const w = area.x1 - area.x0;
  const h = area.y1 - area.y0;
  if (w < SIDE || h < SIDE) return undefined;
  const finest = crop(plane, stride, known, area);
  if (!finest.box || !finest.sourceCount) return undefined;
  const pyramid = [finest];
  let extent = Math.max(finest.box.x1 - finest.box.x0, finest.box.y1 - finest.box.y0);
  while (pyramid.length < MAX_LEVELS && extent > COARSEST_HOLE) {
    const next = halve(pyramid[pyramid.length - 1]!);
    // Coarser only while the known part has more patches to copy than the hole has pixels: with fewer, the
    // coarsest layout is pieced from a handful of sources (a quarter-frame hole at 720p came out a busy
    // patchwork, 18.5 dB in the bench; stopping a level earlier gave the surroundings' broad shapes, 21.0 dB).
    if (next.w < MIN_LEVEL_SIDE || next.h < MIN_LEVEL_SIDE || next.sourceCount < next.unknownCount) break;
    pyramid.push(next);
    extent = Math.ceil(extent / 2);
  }

  const random = mulberry32(0x5eed);
  const top = pyramid[pyramid.length - 1]!;
  pushPull(top.values, top.known, top.w, top.h);
  peel(top);
  let field = randomField(top, random);
  for (let l = pyramid.length - 1; l >= 0; l--) {
    const level = pyramid[l]!;
    if (level !== top) {
      field = upsample(field, pyramid[l + 1]!, level, random);
      // Full resolution keeps the doubled field: nothing to search or vote before the final copy.
      if (l === 0) break;
      vote(level, field);
    }
    const cost = costs(level, field);
    const radius = level === top ? Math.max(level.w, level.h) : REFINE_RADIUS;
    // The coarsest level has nothing to start from but the peel and a random field, whichever level it is.
    const rounds = ROUNDS[level === top ? ROUNDS.length - 1 : Math.min(l, ROUNDS.length - 1)]!;
    for (let round = 0; round < rounds; round++) {
      if (stop?.()) return undefined;
      search(level, field, cost, radius, round % 2 === 0, random);
      vote(level, field);
    }
  }
  if (stop?.()) return undefined;

  const { values } = finest;
  for (let y = 0; y < h; y++) {
    const row = (y + area.y0) * stride + area.x0;
    // A pixel takes its copy in the patch centred on it; near the area's edge, in the nearest patch there is.
    const cy = Math.min(h - 1 - R, Math.max(R, y));
    for (let x = 0; x < w; x++) {
      if (!hole[row + x]) continue;
      const cx = Math.min(w - 1 - R, Math.max(R, x));
      const q = field[cy * w + cx]!;
      if (q < 0) continue;
      plane[row + x] = values[q + (y - cy) * w + (x - cx)]!;
      known[row + x] = 1;
    }
  }
  return { area, source: field };
}

/**
 * Fills the `hole` samples in `box` of planes sampled at half the synthesized plane's resolution (chroma of
 * yuv420p) by voting with the same field, and marks them known: each sample takes the mean of the samples
 * under the copies, in patches covering it, of its top-left luma pixel. A mean, not the best patch's copy
 * as for luma: colour has no grain to keep, and hard edges between copies from differently coloured places
 * showed as blotches. The field's area must start on even coordinates. Returns how many hole samples got no
 * value (outside the field, or no known sample under any copy).
 */
export function followField(field: PatchField, planes: readonly Uint8Array[], stride: number, known: Uint8Array, hole: Uint8Array, box: Box): number {
  const { area, source } = field;
  const w = area.x1 - area.x0;
  const h = area.y1 - area.y0;
  const sums = new Float64Array(planes.length);
  const done: number[] = [];
  let missed = 0;
  for (let cy = box.y0; cy < box.y1; cy++) {
    for (let cx = box.x0; cx < box.x1; cx++) {
      const c = cy * stride + cx;
      if (!hole[c]) continue;
      const lx = 2 * cx - area.x0;
      const ly = 2 * cy - area.y0;
      sums.fill(0);
      let n = 0;
      // Nine of the patches covering it, centred two pixels apart: colour is smooth, and all 49 cost five times as much.
      for (let dy = -2; dy <= 2; dy += 2) {
        const py = ly + dy;
        if (py < 0 || py >= h) continue;
        for (let dx = -2; dx <= 2; dx += 2) {
          const px = lx + dx;
          if (px < 0 || px >= w) continue;
          const q = source[py * w + px]!;
          if (q < 0) continue;
          // (lx, ly) lies at (−dx, −dy) from this patch's centre, so its copy lies there from the source's.
          const sx = (q % w) - dx + area.x0;
          const sy = Math.floor(q / w) - dy + area.y0;
          const s = (sy >> 1) * stride + (sx >> 1);
          if (!known[s]) continue;
          for (let p = 0; p < planes.length; p++) sums[p]! += planes[p]![s]!;
          n++;
        }
      }
      if (!n) {
        missed++;
        continue;
      }
      for (let p = 0; p < planes.length; p++) planes[p]![c] = Math.round(sums[p]! / n);
      done.push(c);
    }
  }
  // Only now: a sample filled above must not be read as a source by its neighbours.
  for (const c of done) known[c] = 1;
  return missed;
}

/** Level 0: the area's values and known map, copied out of the plane. */
function crop(plane: Uint8Array, stride: number, known: Uint8Array, area: Box): Level {
  const w = area.x1 - area.x0;
  const h = area.y1 - area.y0;
  const values = new Float32Array(w * h);
  const have = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = (y + area.y0) * stride + area.x0;
    for (let x = 0; x < w; x++) {
      if (!known[row + x]) continue;
      values[y * w + x] = plane[row + x]!;
      have[y * w + x] = 1;
    }
  }
  return level(w, h, values, have);
}

/** The next coarser level: 2×2 means; a pixel is known only when all the pixels under it are. */
function halve(fine: Level): Level {
  const w = Math.ceil(fine.w / 2);
  const h = Math.ceil(fine.h / 2);
  const values = new Float32Array(w * h);
  const have = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let n = 0;
      for (let fy = 2 * y; fy < Math.min(fine.h, 2 * y + 2); fy++) {
        for (let fx = 2 * x; fx < Math.min(fine.w, 2 * x + 2); fx++) {
          if (!fine.known[fy * fine.w + fx]) continue;
          sum += fine.values[fy * fine.w + fx]!;
          n++;
        }
      }
      if (n) values[y * w + x] = sum / n;
      have[y * w + x] = n === 4 ? 1 : 0;
    }
  }
  return level(w, h, values, have);
}

/**
 * Finds a level's unknown box, and its source and target patch centres. A patch is wholly known when each of
 * its rows is: runs of known pixels along each row mark the centres whose row of the patch is known, and runs
 * of those down each column the centres of wholly known patches. Each pixel is looked at twice; a summed table
 * of the unknown pixels, read at four corners per centre, cost twice as much on a full-resolution level.
 */
function level(w: number, h: number, values: Float32Array, known: Uint8Array): Level {
  let unknownCount = 0;
  let x0 = w;
  let y0 = h;
  let x1 = 0;
  let y1 = 0;
  // 1 at (x, y) when the SIDE pixels of row y centred on x are all known.
  const rowKnown = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const i = y * w;
    let run = 0;
    let row = 0;
    for (let x = 0; x < w; x++) {
      if (known[i + x]) {
        if (++run >= SIDE) rowKnown[i + x - R] = 1;
        continue;
      }
      run = 0;
      row++;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
    }
    if (row) {
      unknownCount += row;
      if (y < y0) y0 = y;
      y1 = y + 1;
    }
  }
  const box = x1 > x0 ? { x0, y0, x1, y1 } : undefined;
  // Down each column, centres with SIDE such rows around them; only centres R or more from every edge qualify.
  const isSource = new Uint8Array(w * h);
  const runs = new Int32Array(w);
  let sourceCount = 0;
  for (let y = 0; y < h; y++) {
    const i = y * w;
    for (let x = R; x < w - R; x++) {
      if (!rowKnown[i + x]) {
        runs[x] = 0;
      } else if (++runs[x]! >= SIDE) {
        isSource[i - R * w + x] = 1;
        sourceCount++;
      }
    }
  }
  // Targets are the centres within R of an unknown pixel, so inside the unknown box grown by R: there, the
  // centres that are not sources.
  let targets = new Int32Array(0);
  if (box) {
    const tx0 = Math.max(R, box.x0 - R);
    const tx1 = Math.min(w - R, box.x1 + R);
    const ty0 = Math.max(R, box.y0 - R);
    const ty1 = Math.min(h - R, box.y1 + R);
    targets = new Int32Array(Math.max(0, tx1 - tx0) * Math.max(0, ty1 - ty0));
    let n = 0;
    for (let y = ty0; y < ty1; y++) for (let x = tx0; x < tx1; x++) if (!isSource[y * w + x]) targets[n++] = y * w + x;
    targets = targets.slice(0, n);
  }
  return { w, h, values, known, unknownCount, box, isSource, sourceCount, targets };
}

/**
 * The coarsest level's unknown pixels, filled from the boundary inwards ring by ring: each takes the value at
 * the same place in the source patch that best matches what is filled around it. A smooth start (which this
 * overwrites, keeping it only where no patch matched) would leave the hole's middle flat, and flat patches
 * then match flat sources and stay flat.
 */
function peel(level: Level): void {
  const { w, h, values, box } = level;
  const sources = sourceList(level);
  if (!box) return;
  const filled = Uint8Array.from(level.known);
  let holePixels = 0;
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) holePixels += 1 - filled[y * w + x]!;
  const every = Math.max(1, Math.ceil((sources.length * holePixels) / PEEL_BUDGET));
  // The filled pixels of the patch being matched, as offsets from its centre and their values: the same for
  // every source it is compared with.
  const offsets = new Int32Array(SIDE * SIDE);
  const wanted = new Float64Array(SIDE * SIDE);
  let front = frontOf(level, filled);
  while (front.length) {
    for (const p of front) {
      const x = p % w;
      const y = (p - x) / w;
      // A pixel near the level's edge is matched by the nearest patch that fits.
      const c = Math.min(h - 1 - R, Math.max(R, y)) * w + Math.min(w - 1 - R, Math.max(R, x));
      let n = 0;
      for (let dy = -R; dy <= R; dy++) {
        for (let k = 0; k < SIDE; k++) {
          const o = dy * w - R + k;
          if (!filled[c + o]) continue;
          offsets[n] = o;
          wanted[n++] = values[c + o]!;
        }
      }
      // With nothing filled around it no source is better than another: the pixel keeps its smooth start.
      if (!n) continue;
      let best = Infinity;
      let from = -1;
      for (let k = 0; k < sources.length; k += every) {
        const q = sources[k]!;
        const d = maskedDistance(values, offsets, wanted, n, q, best);
        if (d < best) {
          best = d;
          from = q;
        }
      }
      if (from >= 0) values[p] = values[from + p - c]!;
    }
    for (const p of front) filled[p] = 1;
    front = frontOf(level, filled);
  }
}

/** Unfilled pixels with a filled 4-neighbour. */
function frontOf(level: Level, filled: Uint8Array): number[] {
  const { w, h, box } = level;
  const front: number[] = [];
  if (!box) return front;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = y * w + x;
      if (filled[i]) continue;
      if ((x > 0 && filled[i - 1]) || (x < w - 1 && filled[i + 1]) || (y > 0 && filled[i - w]) || (y < h - 1 && filled[i + w])) front.push(i);
    }
  }
  return front;
}

/**
 * Squared differences over the filled pixels of a patch (`n` of them: their offsets from its centre and their
 * values) against the patch centred at q, scaled to a whole patch so patches with more filled pixels do not
 * look worse. Given up, at some value not below `limit`, once the partial sum shows it cannot come under it
 * (the terms are not negative, so the scaled sum only grows).
 */
function maskedDistance(values: Float32Array, offsets: Int32Array, wanted: Float64Array, n: number, q: number, limit: number): number {
  let sum = 0;
  for (let i = 0; i < n; ) {
    for (const end = Math.min(n, i + SIDE); i < end; i++) {
      const d = wanted[i]! - values[q + offsets[i]!]!;
      sum += d * d;
    }
    if ((sum * SIDE * SIDE) / n >= limit) break;
  }
  return (sum * SIDE * SIDE) / n;
}

function randomField(level: Level, random: () => number): Int32Array {
  const field = new Int32Array(level.w * level.h).fill(-1);
  for (const p of level.targets) field[p] = anySource(level, random);
  return field;
}

/**
 * A source drawn at random. Sources are usually most of a level, so a few random places find one; the list,
 * a pass over the whole level, is made only when they do not.
 */
function anySource(level: Level, random: () => number): number {
  for (let k = 0; k < 16; k++) {
    const p = Math.floor(random() * level.isSource.length);
    if (level.isSource[p]) return p;
  }
  const sources = sourceList(level);
  return sources[Math.floor(random() * sources.length)]!;
}

function sourceList(level: Level): Int32Array {
  if (level.sources) return level.sources;
  const sources = new Int32Array(level.sourceCount);
  for (let i = 0, s = 0; s < sources.length; i++) if (level.isSource[i]) sources[s++] = i;
  return (level.sources = sources);
}

/**
 * The coarser level's field on this level: each centre copies from twice its parent's source, plus its own
 * place within the parent, so neighbours that copied neighbours still do.
 */
function upsample(coarseField: Int32Array, coarse: Level, fine: Level, random: () => number): Int32Array {
  const field = new Int32Array(fine.w * fine.h).fill(-1);
  const cw = coarse.w;
  for (const p of fine.targets) {
    const x = p % fine.w;
    const y = (p - x) / fine.w;
    const cx = Math.min(cw - 1, x >> 1);
    const cy = Math.min(coarse.h - 1, y >> 1);
    const q = coarseField[cy * cw + cx]!;
    let found = -1;
    if (q >= 0) {
      const qcx = q % cw;
      const qx = 2 * qcx + x - 2 * cx;
      const qy = 2 * ((q - qcx) / cw) + y - 2 * cy;
      if (qx < fine.w && qy < fine.h && fine.isSource[qy * fine.w + qx]) found = qy * fine.w + qx;
    }
    field[p] = found >= 0 ? found : anySource(fine, random);
  }
  return field;
}

function costs(level: Level, field: Int32Array): Float32Array {
  const cost = new Float32Array(level.w * level.h);
  for (const p of level.targets) cost[p] = distance(level.values, level.w, p, field[p]!, Infinity);
  return cost;
}

/** Sum of squared differences between the patches centred at p and q, given up once it reaches `limit`. */
function distance(values: Float32Array, w: number, p: number, q: number, limit: number): number {
  let sum = 0;
  for (let dy = -R; dy <= R; dy++) {
    const a = p + dy * w - R;
    const b = q + dy * w - R;
    for (let k = 0; k < SIDE; k++) {
      const d = values[a + k]! - values[b + k]!;
      sum += d * d;
    }
    if (sum >= limit) return sum;
  }
  return sum;
}

/**
 * One PatchMatch sweep over the targets, in raster order or backwards: each centre tries the sources its two
 * already-visited neighbours lead to (shifted by one, so a coherent copy grows), then random sources around
 * its best at halving distances.
 */
function search(level: Level, field: Int32Array, cost: Float32Array, radius: number, forward: boolean, random: () => number): void {
  const { w, h, values, isSource, targets } = level;
  const along = forward ? 1 : -1;
  const across = forward ? w : -w;
  const n = targets.length;
  for (let t = forward ? 0 : n - 1; t >= 0 && t < n; t += along) {
    const p = targets[t]!;
    let best = field[p]!;
    let bestCost = cost[p]!;
    // Targets and sources lie R or more from every edge, so a neighbour's field and its shift by one stay
    // inside the level (a shift off a row's end lands on a border pixel, which is no source).
    for (let k = 0; k < 2; k++) {
      const offset = k ? across : along;
      const neighbour = field[p - offset]!;
      if (neighbour < 0) continue;
      const q = neighbour + offset;
      if (q === best || !isSource[q]) continue;
      const d = distance(values, w, p, q, bestCost);
      if (d < bestCost) {
        best = q;
        bestCost = d;
      }
    }
    for (let r = radius; r >= 1; r >>= 1) {
      const bx = best % w;
      const by = (best - bx) / w;
      const x = Math.min(w - 1 - R, Math.max(R, bx + Math.floor(random() * (2 * r + 1)) - r));
      const y = Math.min(h - 1 - R, Math.max(R, by + Math.floor(random() * (2 * r + 1)) - r));
      const q = y * w + x;
      if (q === best || !isSource[q]) continue;
      const d = distance(values, w, p, q, bestCost);
      if (d < bestCost) {
        best = q;
        bestCost = d;
      }
    }
    field[p] = best;
    cost[p] = bestCost;
  }
}

/**
 * Each unknown pixel becomes the mean of its copies in the patches covering it. Sources lie wholly in the
 * known part, which never changes, so this can write in place.
 */
function vote(level: Level, field: Int32Array): void {
  const { w, h, values, known, box } = level;
  if (!box) return;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = y * w + x;
      if (known[i]) continue;
      let sum = 0;
      let n = 0;
      for (let dy = -R; dy <= R; dy++) {
        const py = y + dy;
        if (py < 0 || py >= h) continue;
        for (let dx = -R; dx <= R; dx++) {
          const px = x + dx;
          if (px < 0 || px >= w) continue;
          const q = field[py * w + px]!;
          if (q < 0) continue;
          sum += values[q - dy * w - dx]!;
          n++;
        }
      }
      if (n) values[i] = sum / n;
    }
  }
}

/** A small seeded generator of numbers in [0, 1) (Mulberry32): the same fill on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
