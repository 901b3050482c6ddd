import { Dilator } from './dilate.js';

/** The mask conventions of the providers. */
export type MaskTarget = 'binary' | 'quadmask' | 'vace';

export interface MaskConversion {
  to: MaskTarget;
  /** Marked pixels are those below the threshold instead of at or above it. */
  invert: boolean;
  /** Grow the marked region by this many pixels (round). */
  dilate: number;
  threshold: number;
}

/** Grey levels of each convention: the marked region, the ring added by dilation, everything else. */
export const MASK_LEVELS: Readonly<Record<MaskTarget, { region: number; ring: number; rest: number }>> = {
  // VOID: black is what to remove.
  binary: { region: 0, ring: 0, rest: 255 },
  // VOID quadmask: the dilation ring is the "affected region" (shadows, reflections) rather than the object.
  quadmask: { region: 0, ring: 127, rest: 255 },
  // Wan2.1-VACE: white is what to edit.
  vace: { region: 255, ring: 255, rest: 0 },
};

/** Converts greyscale mask frames of one size, reusing its buffers from frame to frame. */
export class MaskConverter {
  private readonly marked: Uint8Array;
  private readonly grown: Uint8Array;
  private readonly dilator: Dilator;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly conversion: MaskConversion,
  ) {
    this.marked = new Uint8Array(width * height);
    this.grown = new Uint8Array(width * height);
    this.dilator = new Dilator(width, height);
  }

  /** One gray frame in, one gray frame of the target convention out. */
  convert(gray: Uint8Array, out: Buffer = Buffer.allocUnsafe(this.width * this.height)): Buffer {
    const { threshold, invert, dilate, to } = this.conversion;
    const { marked, grown } = this;
    for (let i = 0; i < marked.length; i++) marked[i] = gray[i]! >= threshold !== invert ? 1 : 0;
    this.dilator.dilate(marked, dilate, grown);
    const { region, ring, rest } = MASK_LEVELS[to];
    for (let i = 0; i < marked.length; i++) out[i] = marked[i] ? region : grown[i] ? ring : rest;
    return out;
  }
}
