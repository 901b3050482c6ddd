import { z } from 'zod';
import { media } from '../param.js';
import { localStep } from './define.js';

// The providers use opposite polarity (VOID: black = remove; VACE: white = edit), so one input convention
// is fixed here and every target is derived from it.
const params = z.strictObject({
  mask: media('video', 'Mask video, read as greyscale: pixels at or above threshold mark the region (white = the object or area to change, as segmentation tools produce). For a VOID mask, where black marks the region, set invert.'),
  to: z
    .enum(['binary', 'quadmask', 'vace'])
    .default('binary')
    .describe('Target convention. binary = VOID binary mask: 0 (black) = remove, 255 = keep. quadmask = VOID quadmask values: 0 = object to remove, 127 = affected region (the ring added by dilate), 255 = background to keep. vace = Wan2.1-VACE mask: 255 (white) = edit, 0 (black) = keep.'),
  invert: z.boolean().default(false).describe('Swap which side of threshold marks the region before converting; set it for VOID masks, where black (0) marks what to remove.'),
  dilate: z.number().int().min(0).max(256).default(0).describe('Grow the marked region by this many pixels. With to: quadmask the added ring becomes 127 (affected region) instead of 0.'),
  threshold: z.number().int().min(0).max(255).default(128).describe('Grey level at or above which a pixel is marked (below it when invert is set).'),
});

export const mask = localStep({
  id: 'local/mask',
  title: 'Convert mask',
  summary: 'Converts a mask video between VOID (0 = remove, 255 = keep; quadmask 0/63/127/255) and VACE (white = edit) conventions, with threshold, invert and dilation.',
  params,
  outputs: { video: 'video' },
});
