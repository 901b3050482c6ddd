/**
 * A similarity transform of the picture plane: x' = a·x − b·y + tx, y' = b·x + a·y + ty. A zoom by
 * hypot(a, b), a turn by atan2(b, a) and a shift, which is what a camera's zoom, roll and pan do to the
 * picture (a homography would add perspective, which a slow pan or tilt barely shows frame to frame).
 */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export const IDENTITY: Readonly<Similarity> = { a: 1, b: 0, tx: 0, ty: 0 };

export function translation(dx: number, dy: number): Similarity {
  return { a: 1, b: 0, tx: dx, ty: dy };
}

/** p ∘ q: q first, then p. */
export function compose(p: Similarity, q: Similarity): Similarity {
  return {
    a: p.a * q.a - p.b * q.b,
    b: p.a * q.b + p.b * q.a,
    tx: p.a * q.tx - p.b * q.ty + p.tx,
    ty: p.b * q.tx + p.a * q.ty + p.ty,
  };
}

export function invert(p: Similarity): Similarity {
  const n = p.a * p.a + p.b * p.b;
  const a = p.a / n;
  const b = -p.b / n;
  return { a, b, tx: -(a * p.tx - b * p.ty), ty: -(b * p.tx + a * p.ty) };
}

export function applyX(p: Similarity, x: number, y: number): number {
  return p.a * x - p.b * y + p.tx;
}

export function applyY(p: Similarity, x: number, y: number): number {
  return p.b * x + p.a * y + p.ty;
}

export function scaleOf(p: Similarity): number {
  return Math.hypot(p.a, p.b);
}

/** Radians, counter-clockwise in image coordinates (y down): positive turns x towards y. */
export function angleOf(p: Similarity): number {
  return Math.atan2(p.b, p.a);
}

/** True when p moves whole pixels and nothing else: then a frame maps onto pixels exactly, with no resampling. */
export function isWholeShift(p: Similarity): boolean {
  return p.a === 1 && p.b === 0 && Number.isInteger(p.tx) && Number.isInteger(p.ty);
}

/**
 * The whole-pixel shift that moves no pixel of a width × height frame more than `tolerance` px away from
 * where p puts it, or undefined when there is none.
 */
export function nearestWholeShift(p: Similarity, width: number, height: number, tolerance: number): Similarity | undefined {
  const shift = translation(Math.round(p.tx), Math.round(p.ty));
  // The difference p − shift is affine, so its largest displacement over the frame is at a corner.
  for (const [x, y] of [
    [0, 0],
    [width, 0],
    [0, height],
    [width, height],
  ] as const) {
    if (Math.hypot(applyX(p, x, y) - x - shift.tx, applyY(p, x, y) - y - shift.ty) > tolerance) return undefined;
  }
  return shift;
}

/**
 * The same transform on yuv420p's chroma planes: chroma sample c sits at the middle of luma pixels 2c and
 * 2c + 1, i.e. at luma position 2c + 0.5, in the frame and in the mosaic alike.
 */
export function onChroma(p: Similarity): Similarity {
  return {
    a: p.a,
    b: p.b,
    tx: (0.5 * p.a - 0.5 * p.b + p.tx - 0.5) / 2,
    ty: (0.5 * p.b + 0.5 * p.a + p.ty - 0.5) / 2,
  };
}
