import { type Box } from './frame.js';
import { MADE, type Mosaic, type MosaicPlanes, UNKNOWN } from './mosaic.js';
import { followField, type PatchField, synthesizeTexture } from './patch-fill.js';
import { fillFromBoundary } from './spatial-fill.js';
import { applyTexture, type TextureJob, textureJob, type TextureResult } from './texture-job.js';

/** A synthesis of the luma texture made ahead of time (texture-speculation.ts), asked for with the final input. */
export interface TextureAhead {
  resultFor(job: TextureJob): Promise<TextureResult | undefined>;
}

/**
 * Fills the needed places no frame showed, once, on the mosaic: every frame then shows the same fill there,
 * moving only with the camera. Luma gets patch-synthesized texture from the surroundings (patch-fill.ts) and
 * chroma follows the same copies; a smooth fill from the boundary is left only where there is nothing to copy
 * (no patch around the hole was ever wholly seen). Returns how many luma places were needed and how many of
 * them no frame showed.
 *
 * With `ahead`, the luma synthesis is taken from there when it was made from this very input, which gives the
 * same bytes. Waiting for it lets pass 2 run meanwhile only where it already could, filling frames that read
 * no never-seen place; while it waits for one, nothing writes the mosaic, and the fill here is what it was
 * without the wait.
 */
export async function fillNeverSeen(mosaic: Mosaic, ahead?: TextureAhead): Promise<{ needed: number; neverSeen: number }> {
  const luma = holeOf(mosaic.luma);
  const chroma = holeOf(mosaic.chroma);
  const counts = { needed: luma.needed, neverSeen: luma.neverSeen };
  if (!luma.box && !chroma.box) return counts;

  let field: PatchField | undefined;
  if (luma.box) {
    const planes = mosaic.luma;
    const area = around(luma.box, planes.width, planes.height);
    const made = ahead && (await ahead.resultFor(textureJob(planes.values[0]!, luma.known, luma.hole, planes.width, area)));
    if (made) {
      applyTexture(made, luma.hole, planes.values[0]!, luma.known, planes.width, area);
      field = made.field;
    } else field = synthesizeTexture(planes.values[0]!, planes.width, luma.known, luma.hole, area);
    // What the synthesis could not reach (all of the hole, when it had nothing to copy from) is filled smoothly.
    fillFromBoundary(planes.values, planes.width, luma.known, luma.hole, area);
    markMade(planes, luma.hole, luma.box);
  }
  if (chroma.box) {
    const planes = mosaic.chroma;
    if (field) followField(field, planes.values, planes.width, chroma.known, chroma.hole, chroma.box);
    fillFromBoundary(planes.values, planes.width, chroma.known, chroma.hole, around(chroma.box, planes.width, planes.height));
    markMade(planes, chroma.hole, chroma.box);
  }
  return counts;
}

/** The luma synthesis fillNeverSeen would run on the mosaic as it is now, as a job; undefined when it has none. */
export function lumaTextureJob(mosaic: Mosaic): TextureJob | undefined {
  const planes = mosaic.luma;
  const luma = holeOf(planes);
  return luma.box && textureJob(planes.values[0]!, luma.known, luma.hole, planes.width, around(luma.box, planes.width, planes.height));
}

interface Hole {
  needed: number;
  neverSeen: number;
  /** Bounding box of the never-seen needed places; undefined when there are none. */
  box: Box | undefined;
  /** 1 where a value was seen; 1 where a needed place was not (both over the whole plane). */
  known: Uint8Array;
  hole: Uint8Array;
}

function holeOf(planes: MosaicPlanes): Hole {
  const { width, height, state } = planes;
  const known = new Uint8Array(state.length);
  const hole = new Uint8Array(state.length);
  let needed = 0;
  let neverSeen = 0;
  let box: Box | undefined;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = y * width + x;
      if (state[g] !== UNKNOWN) known[g] = 1;
      if (!planes.needed[g]) continue;
      needed++;
      if (known[g]) continue;
      neverSeen++;
      hole[g] = 1;
      box = box ? { x0: Math.min(box.x0, x), y0: box.y0, x1: Math.max(box.x1, x + 1), y1: y + 1 } : { x0: x, y0: y, x1: x + 1, y1: y + 1 };
    }
  }
  return { needed, neverSeen, box, known, hole };
}

/**
 * The context around a hole: as wide as the hole itself each side, so even its middle has real surroundings
 * to copy from, on even coordinates so the same area halved is chroma's.
 */
function around(hole: Box, width: number, height: number): Box {
  const margin = Math.max(8, hole.x1 - hole.x0, hole.y1 - hole.y0);
  const even = (n: number) => n & ~1;
  return { x0: Math.max(0, even(hole.x0 - margin)), y0: Math.max(0, even(hole.y0 - margin)), x1: Math.min(width, even(hole.x1 + margin + 1)), y1: Math.min(height, even(hole.y1 + margin + 1)) };
}

function markMade(planes: MosaicPlanes, hole: Uint8Array, box: Box): void {
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) if (hole[y * planes.width + x]) planes.state[y * planes.width + x] = MADE;
  }
}
