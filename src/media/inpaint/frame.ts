/** A rectangle of pixels, half-open: x0 ≤ x < x1, y0 ≤ y < y1. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The three planes of one yuv420p frame, as views into its buffer (no copy). */
export interface YuvPlanes {
  width: number;
  height: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

/** Views one packed yuv420p frame of an even width and height as its planes. */
export function yuvPlanes(frame: Uint8Array, width: number, height: number): YuvPlanes {
  const luma = width * height;
  const chroma = luma / 4;
  return {
    width,
    height,
    y: frame.subarray(0, luma),
    u: frame.subarray(luma, luma + chroma),
    v: frame.subarray(luma + chroma, luma + 2 * chroma),
  };
}

export function grow(box: Box, by: number, width: number, height: number): Box {
  return { x0: Math.max(0, box.x0 - by), y0: Math.max(0, box.y0 - by), x1: Math.min(width, box.x1 + by), y1: Math.min(height, box.y1 + by) };
}
