import { even } from './h264.js';

export interface Size {
  width: number;
  height: number;
}

/** 720P as Wan2.1-VACE means it: 1280×720 for a landscape frame, 720×1280 for a portrait one. */
export const LONG_SIDE_720P = 1280;
export const SHORT_SIDE_720P = 720;

/**
 * The factor (≤ 1) that brings a frame within 720P keeping its aspect ratio: its longer side to at most 1280
 * and its shorter side to at most 720 (a square fits 720×720). 1 when it fits already: the hosted functions
 * keep a resolution of 720P or less and only ever scale down.
 */
export function scaleTo720p(size: Size): number {
  const long = Math.max(size.width, size.height);
  const short = Math.min(size.width, size.height);
  return Math.min(1, LONG_SIDE_720P / long, SHORT_SIDE_720P / short);
}

/** A frame size within 720P (see scaleTo720p), rounded down to even numbers for H.264 in yuv420p. */
export function capTo720p(size: Size): Size {
  const factor = scaleTo720p(size);
  return { width: even(size.width * factor), height: even(size.height * factor) };
}
