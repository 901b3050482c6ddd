// @ts-check
// What both fakes hand back to a test: the shared view over a server core and its task queue.

/** @typedef {import('./index.d.mts').FakeProvider} FakeProvider */
/** @typedef {import('./index.d.mts').FakeUpload} FakeUpload */

/**
 * @param {import('./http.mjs').FakeCore} core
 * @param {import('./tasks.mjs').TaskQueue} queue
 * @param {FakeUpload[]} uploads
 * @returns {FakeProvider}
 */
export function providerHandle(core, queue, uploads) {
  return {
    url: core.url,
    requests: core.requests,
    tasks: queue.tasks,
    uploads,
    stats: () => queue.stats(),
    fault: (rule) => core.addFault(rule),
    failNext: (message, n) => queue.failNext(message, n),
    reset: () => core.reset(),
    close: async () => {
      queue.close();
      await core.close();
    },
  };
}

/** Content types for served files, by extension; enough for the media a recipe passes. */
const TYPES = /** @type {Record<string, string>} */ ({
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  gif: 'image/gif',
});

/** @param {string} filename */
export function contentType(filename) {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? '';
  return TYPES[ext] ?? 'application/octet-stream';
}

/** WaveSpeed's `data.type` of an upload: image, video, audio or file. @param {string} filename */
export function mediaType(filename) {
  const type = contentType(filename);
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (/\.(mp3|wav|ogg|aac|flac|m4a|opus)$/i.test(filename)) return 'audio';
  return 'file';
}

/** An id like the providers' (hex, dashes where DashScope puts them). */
export function randomId() {
  return crypto.randomUUID();
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
export function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
