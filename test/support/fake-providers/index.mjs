// @ts-check
// Fake WaveSpeed and DashScope servers for tests and offline runs; types in index.d.mts.
export { startFakeWaveSpeed, WAVESPEED_MODEL } from './wavespeed.mjs';
export { startFakeDashScope, DASHSCOPE_MODELS, DASHSCOPE_SUBMIT_PATH } from './dashscope.mjs';
export { generatedMp4, mp4Duration } from './media.mjs';
