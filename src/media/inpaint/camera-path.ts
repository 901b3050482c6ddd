import { compose, IDENTITY, nearestWholeShift, type Similarity } from './similarity.js';

/**
 * Pixels a frame may sit from where its motion puts it and still be placed on whole pixels. Motion measured
 * on grainy footage wanders by about a hundredth of a pixel a frame: a still camera or a whole-pixel pan stays
 * within this for hundreds of frames, and is copied pixel for pixel rather than resampled (sharper, and
 * several times faster). Any real sub-pixel drift leaves it within a few frames.
 */
const SNAP = 0.1;

/**
 * Where each frame sits in the mosaic: the product of the frame-to-frame motions, frame → first frame, with
 * frames that sit within SNAP of a whole-pixel shift put on it. The product itself is kept exact, so snapping
 * never accumulates.
 */
export class CameraPath {
  private exact: Similarity = IDENTITY;
  private started = false;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Takes the motion of the next frame (current → previous, identity for the first); returns its placement. */
  next(motion: Similarity): Similarity {
    this.exact = this.started ? compose(this.exact, motion) : IDENTITY;
    this.started = true;
    return nearestWholeShift(this.exact, this.width, this.height, SNAP) ?? this.exact;
  }
}
