import type { Box } from './frame.js';
import { type PatchField, synthesizeTexture } from './patch-fill.js';

/**
 * The luma texture synthesis of the never-seen places (never-seen.ts) as a job on its own: copies of the part
 * of the mosaic it reads, so it can run on another thread while pass 1 goes on changing the mosaic, and be
 * compared with the mosaic afterwards. The synthesis reads nothing outside its area, so a job whose copies
 * equal the mosaic's then gives exactly what synthesizing on the mosaic would.
 */
export interface TextureJob {
  /** The area synthesized, in mosaic coordinates; the copies below are of it alone (row length its width). */
  area: Box;
  values: Uint8Array;
  known: Uint8Array;
  hole: Uint8Array;
}

/** A job's outcome: its values and known map, hole places filled and marked, and what was copied where. */
export interface TextureResult {
  values: Uint8Array;
  known: Uint8Array;
  /** In mosaic coordinates, as synthesizeTexture on the mosaic returns it; undefined when nothing was copied. */
  field: PatchField | undefined;
}

/** A job of the `area` of a plane (row length `stride`) and its known and hole maps. */
export function textureJob(values: Uint8Array, known: Uint8Array, hole: Uint8Array, stride: number, area: Box): TextureJob {
  return { area, values: cropped(values, stride, area), known: cropped(known, stride, area), hole: cropped(hole, stride, area) };
}

/** True when two jobs would synthesize the same: same area, same values, known and hole maps. */
export function sameJob(a: TextureJob, b: TextureJob): boolean {
  const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.length).equals(Buffer.from(y.buffer, y.byteOffset, y.length));
  const p = a.area;
  const q = b.area;
  return p.x0 === q.x0 && p.y0 === q.y0 && p.x1 === q.x1 && p.y1 === q.y1 && same(a.hole, b.hole) && same(a.known, b.known) && same(a.values, b.values);
}

/**
 * Synthesizes a job, in its own copies (it may be given one it can spend, as a worker is); undefined once
 * `stop` says so. Then `applyTexture` writes the result where synthesizing in place would have.
 */
export function runTextureJob(job: TextureJob, stop?: () => boolean): TextureResult | undefined {
  const { area } = job;
  const w = area.x1 - area.x0;
  const field = synthesizeTexture(job.values, w, job.known, job.hole, { x0: 0, y0: 0, x1: w, y1: area.y1 - area.y0 }, stop);
  if (stop?.()) return undefined;
  // The field's indices are into the area whichever coordinates it was synthesized in: only its box moves.
  return { values: job.values, known: job.known, field: field && { area, source: field.source } };
}

/** Writes a job's result into the plane it was taken from: the hole places it filled, and marks them known. */
export function applyTexture(result: TextureResult, hole: Uint8Array, values: Uint8Array, known: Uint8Array, stride: number, area: Box): void {
  const w = area.x1 - area.x0;
  for (let y = area.y0; y < area.y1; y++) {
    const row = y * stride + area.x0;
    const local = (y - area.y0) * w;
    for (let x = 0; x < w; x++) {
      if (!hole[row + x] || !result.known[local + x]) continue;
      values[row + x] = result.values[local + x]!;
      known[row + x] = 1;
    }
  }
}

function cropped(plane: Uint8Array, stride: number, area: Box): Uint8Array {
  const w = area.x1 - area.x0;
  const out = new Uint8Array(w * (area.y1 - area.y0));
  for (let y = area.y0; y < area.y1; y++) out.set(plane.subarray(y * stride + area.x0, y * stride + area.x1), (y - area.y0) * w);
  return out;
}
