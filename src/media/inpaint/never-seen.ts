import { type Box } from './frame.js';
import { MADE, type Mosaic, type MosaicPlanes, UNKNOWN } from './mosaic.js';
import { fillFromBoundary } from './spatial-fill.js';

/** Spatially fills the needed places no frame showed; returns how many luma places were needed and how many of them that was. */
export function fillNeverSeen(mosaic: Mosaic): { needed: number; neverSeen: number } {
  const counts = fillPlanes(mosaic.luma);
  fillPlanes(mosaic.chroma);
  return counts;
}

function fillPlanes(planes: MosaicPlanes): { needed: number; neverSeen: number } {
  const { width, height, state } = planes;
  let needed = 0;
  let neverSeen = 0;
  let hole: Box | undefined;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = y * width + x;
      if (!planes.needed[g]) continue;
      needed++;
      if (state[g] !== UNKNOWN) continue;
      neverSeen++;
      hole = hole ? { x0: Math.min(hole.x0, x), y0: Math.min(hole.y0, y), x1: Math.max(hole.x1, x + 1), y1: Math.max(hole.y1, y + 1) } : { x0: x, y0: y, x1: x + 1, y1: y + 1 };
    }
  }
  if (!hole) return { needed, neverSeen };
  // Context around the hole: as wide as the hole itself, so even its middle is filled from real surroundings.
  const margin = Math.max(8, hole.x1 - hole.x0, hole.y1 - hole.y0);
  const area = { x0: Math.max(0, hole.x0 - margin), y0: Math.max(0, hole.y0 - margin), x1: Math.min(width, hole.x1 + margin), y1: Math.min(height, hole.y1 + margin) };
  const known = new Uint8Array(state.length);
  for (let y = area.y0; y < area.y1; y++) for (let x = area.x0; x < area.x1; x++) known[y * width + x] = state[y * width + x] !== UNKNOWN ? 1 : 0;
  fillFromBoundary(planes.values, width, known, planes.needed, area);
  for (let y = hole.y0; y < hole.y1; y++) {
    for (let x = hole.x0; x < hole.x1; x++) {
      const g = y * width + x;
      if (planes.needed[g] && state[g] === UNKNOWN) state[g] = MADE;
    }
  }
  return { needed, neverSeen };
}

