/**
 * The version of each local implementation, by model id: part of the cache key of every step that runs
 * on the `local` backend, so a result computed by older code is not served after an upgrade. Bump a
 * model's number whenever its implementation (its executor file, or any src/providers/local or src/media
 * module that file imports) may produce different output; `npm run source-digests` then records the new
 * sources, and test/unit/source-digests.test.ts fails until both are done. Hosted steps never read this
 * table: their results were paid for, and a change of ours cannot change what the provider returned.
 */
export const LOCAL_VERSIONS: Readonly<Record<string, number>> = {
  'local/trim': 1,
  'local/concat': 1,
  'local/transcode': 1,
  'local/extract-frame': 1,
  'local/mask': 1,
  'local/compare': 1,
  'alibaba/wan2.1-vace-plus/video_outpainting': 1,
  'alibaba/wan2.1-vace-plus/video_extension': 1,
  'wavespeed-ai/void-video-inpainting/mask': 2,
};

