import { even } from './h264.js';
import { scaleTo720p, type Size } from './size-cap.js';

/** Wan2.1-VACE's four expansion factors, each in [1, 2]. */
export interface ExpandScales {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Where the original picture sits in the widened canvas. */
export interface OutpaintGeometry {
  /** The input picture's size in the output (smaller than the input only when the canvas was capped). */
  content: Size;
  canvas: Size;
  /** Top-left corner of the picture in the canvas. */
  offset: { x: number; y: number };
}

/**
 * The widened canvas. The docs say "left_scale 1.5 expands the left side of the frame to 1.5 times its
 * original width": the left half of the frame becomes 1.5 times as wide, so the new strip on the left is
 * (left_scale − 1) × half the width, and likewise for each side. Equal scales keep the picture centred and
 * 2.0 everywhere doubles both sides. The whole canvas is then brought within 720P (see scaleTo720p), as the
 * hosted function never returns more, and every length is even (H.264 in yuv420p; even strips also keep the
 * picture on whole chroma samples).
 */
export function outpaintGeometry(input: Size, scales: ExpandScales): OutpaintGeometry {
  const wide = { width: (input.width * (scales.left + scales.right)) / 2, height: (input.height * (scales.top + scales.bottom)) / 2 };
  let factor = scaleTo720p(wide);
  // Rounding each strip to even can push a capped canvas a pixel or two past the cap; shrink until it fits.
  for (;;) {
    const geometry = layout(input, scales, factor);
    if (scaleTo720p(geometry.canvas) === 1 || factor < 1e-3) return geometry;
    factor *= 0.995;
  }
}

function layout(input: Size, scales: ExpandScales, factor: number): OutpaintGeometry {
  const content = { width: even(input.width * factor), height: even(input.height * factor) };
  const strip = (length: number, scale: number): number => 2 * Math.round(((scale - 1) * length) / 4);
  const left = strip(content.width, scales.left);
  const right = strip(content.width, scales.right);
  const top = strip(content.height, scales.top);
  const bottom = strip(content.height, scales.bottom);
  return {
    content,
    canvas: { width: content.width + left + right, height: content.height + top + bottom },
    offset: { x: left, y: top },
  };
}
