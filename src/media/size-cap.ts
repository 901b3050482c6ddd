import { even } from './h264.js';

export interface Size {
  width: number;
  height: number;
}

/**
 * 720P as Wan2.1-VACE means it: about 1280×720 pixels whatever the shape. Its own 720P sizes are 1280*720,
 * 720*1280, 960*960, 832*1088 and 1088*832, so the cap is an area (with the long side at most 1280), not
 * a short side of 720: a square stays 960×960.
 */
export const LONG_SIDE_720P = 1280;
export const AREA_720P = 1280 * 720;

/**
 * The factor (≤ 1) that brings a frame within 720P keeping its aspect ratio: at most 1280×720 pixels in
 * all and 1280 on its longer side. 1 when it fits already: the hosted functions keep a resolution of
 * 720P or less and only ever scale down.
 */
export function scaleTo720p(size: Size): number {
  const long = Math.max(size.width, size.height);
  return Math.min(1, LONG_SIDE_720P / long, Math.sqrt(AREA_720P / (size.width * size.height)));
}

/** A frame size within 720P (see scaleTo720p), rounded down to even numbers for H.264 in yuv420p. */
export function capTo720p(size: Size): Size {
  const factor = scaleTo720p(size);
  return { width: even(size.width * factor), height: even(size.height * factor) };
}
