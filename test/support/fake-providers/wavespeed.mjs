// @ts-check
// A fake WaveSpeed API (provider-apis.md §1): flat JSON submit to /api/v3/{model}, polling of
// /api/v3/predictions/{id}[/result], the two documented uploads (ticket + PUT, and binary form POST), and
// outputs served as CDN-like links without auth.
import { sha256, bearer, startCore } from './http.mjs';
import { generatedMp4, resolveMedia } from './media.mjs';
import { contentType, isObject, mediaType, providerHandle, randomId } from './provider.mjs';
import { TaskQueue } from './tasks.mjs';

/** @typedef {import('./index.d.mts').FakeOptions} FakeOptions */
/** @typedef {import('./index.d.mts').FakeTask} FakeTask */
/** @typedef {import('./index.d.mts').FakeUpload} FakeUpload */
/** @typedef {import('./http.mjs').Incoming} Incoming */
/** @typedef {import('./http.mjs').Reply} Reply */

export const WAVESPEED_MODEL = 'wavespeed-ai/void-video-inpainting/mask';

const NUM_FRAMES = Array.from({ length: 17 }, (_, i) => 69 + 8 * i);

/**
 * The VOID fields (the catalog's, plus the SDK's enable_sync_mode). `media` fields must be http(s) URLs.
 * @type {Record<string, {type: 'media' | 'string' | 'boolean' | 'number' | 'integer', check?: (v: number) => boolean, range?: string}>}
 */
const VOID_FIELDS = {
  video: { type: 'media' },
  prompt: { type: 'string' },
  mask_video: { type: 'media' },
  mask_prompt: { type: 'string' },
  enable_pass2_refinement: { type: 'boolean' },
  negative_prompt: { type: 'string' },
  num_inference_steps: { type: 'integer', check: (v) => v >= 1 && v <= 50, range: '1–50' },
  guidance_scale: { type: 'number', check: (v) => v >= 0 && v <= 20, range: '0–20' },
  strength: { type: 'number', check: (v) => v >= 0 && v <= 1, range: '0–1' },
  num_frames: { type: 'integer', check: (v) => NUM_FRAMES.includes(v), range: '69, 77, 85 … 197' },
  seed: { type: 'integer', check: (v) => v >= 0 && v <= 2147483647, range: '0–2147483647' },
  enable_sync_mode: { type: 'boolean' },
};

const MB = 1024 * 1024;

/**
 * @param {FakeOptions} options
 */
export async function startFakeWaveSpeed(options) {
  const {
    apiKey,
    concurrency = 2,
    taskMs = 300,
    rate,
    ticketUpload = true,
    account = 'ok',
    pollPath = 'result',
    failRate = 0,
    maxUploadBytes = 100 * MB,
  } = options;

  /** @type {FakeUpload[]} */
  const uploads = [];
  /** Uploaded bytes by id; a ticket's entry has no data until its PUT arrives. @type {Map<string, {filename: string, size: number, contentType: string, data?: Buffer}>} */
  const stored = new Map();
  /** Ticket PUT targets: token → upload id. @type {Map<string, string>} */
  const tickets = new Map();
  /** @type {Map<string, Buffer>} */
  const outputs = new Map();

  /** @param {number} code @param {string} message @returns {Reply} */
  const error = (code, message) => ({ status: code, json: { code, message } });

  const core = await startCore(
    {
      name: 'WaveSpeed',
      port: options.port,
      latencyMs: options.latencyMs,
      onRequest: options.onRequest,
      faultReply: (_kind, status, quoted) => error(status, quoted ? `${faultMessage(status)}; request was:\n${quoted}` : faultMessage(status)),
    },
    () => [
      { method: 'POST', pattern: /^\/api\/v3\/media\/uploads$/, kind: 'upload', handle: authed(createTicket) },
      { method: 'PUT', pattern: /^\/storage\/(?<token>[^/]+)$/, kind: 'upload', handle: putTicket },
      { method: 'POST', pattern: /^\/api\/v3\/media\/upload\/binary$/, kind: 'upload', handle: authed(binaryUpload) },
      { method: 'GET', pattern: /^\/media\/(?<id>[^/]+)\/(?<name>[^/]+)$/, kind: 'download', handle: serveUpload },
      { method: 'GET', pattern: /^\/files\/(?<id>[^/]+)\.mp4$/, kind: 'download', handle: serveOutput },
      { method: 'GET', pattern: /^\/api\/v3\/predictions\/(?<id>[^/]+)(?:\/result)?$/, kind: 'poll', handle: authed(poll) },
      { method: 'POST', pattern: /^\/api\/v3\/(?<model>.+)$/, kind: 'submit', handle: authed(submit) },
    ],
  );
  const base = core.url;

  const queue = new TaskQueue({
    concurrency,
    taskMs,
    failRate,
    now: () => core.now(),
    words: { queued: 'created', running: 'processing', done: 'completed', failed: 'failed' },
    failure: (message) => ({ code: 1405, message }),
    work,
  });

  /** @param {(req: Incoming) => Reply | Promise<Reply>} handler */
  function authed(handler) {
    return (/** @type {Incoming} */ req) => {
      if (bearer(req) !== apiKey) return error(401, 'Unauthorized: invalid or missing API key; send Authorization: Bearer <WAVESPEED_API_KEY>');
      return handler(req);
    };
  }

  /** @param {Incoming} req */
  function createTicket(req) {
    if (!ticketUpload) return error(404, 'Not Found');
    const body = /** @type {Record<string, unknown> | undefined} */ (req.json);
    if (!isObject(body)) return error(400, 'request body must be a JSON object {filename, size, content_type}');
    const { filename, size } = body;
    if (typeof filename !== 'string' || filename === '') return error(400, 'filename is required');
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) return error(400, 'size must be a positive integer (bytes)');
    if (size > maxUploadBytes) return error(400, `file too large: ${size} bytes, at most ${maxUploadBytes}`);
    const type = typeof body.content_type === 'string' && body.content_type ? body.content_type : contentType(filename);
    const id = randomId().replaceAll('-', '');
    const token = randomId().replaceAll('-', '');
    stored.set(id, { filename, size, contentType: type });
    tickets.set(token, id);
    return {
      status: 200,
      json: {
        code: 200,
        message: 'success',
        data: {
          type: mediaType(filename),
          download_url: `${base}/media/${id}/${encodeURIComponent(filename)}`,
          filename,
          size,
          upload: {
            method: 'PUT',
            url: `${base}/storage/${token}?X-Amz-Expires=3600&X-Amz-Signature=${token.slice(0, 16)}`,
            headers: { 'Content-Type': type },
            expires_at: new Date(Date.now() + 3600_000).toISOString(),
          },
        },
      },
    };
  }

  // A presigned-URL PUT: no Bearer; the signed Content-Type and the declared size must match, as S3 checks.
  /** @param {Incoming} req @returns {Reply} */
  function putTicket(req) {
    const id = tickets.get(req.params.token ?? '');
    const entry = id === undefined ? undefined : stored.get(id);
    if (id === undefined || !entry) return { status: 403, body: 'AccessDenied: unknown or used upload URL' };
    if (req.headers['content-type'] !== entry.contentType)
      return { status: 403, body: `SignatureDoesNotMatch: Content-Type must be "${entry.contentType}" as given in upload.headers, got "${req.headers['content-type'] ?? ''}"` };
    if (req.raw.length !== entry.size) return { status: 400, body: `IncompleteBody: declared size ${entry.size} bytes, received ${req.raw.length}` };
    entry.data = req.raw;
    tickets.delete(req.params.token ?? '');
    uploads.push({ url: `${base}/media/${id}/${encodeURIComponent(entry.filename)}`, filename: entry.filename, size: entry.size, sha256: sha256(req.raw), via: 'ticket' });
    return { status: 200, body: '' };
  }

  /** @param {Incoming} req */
  function binaryUpload(req) {
    if (!req.parts) return error(400, 'expected multipart/form-data with the file in field "file"');
    const file = req.parts.find((p) => p.name === 'file' && p.filename !== undefined);
    if (!file) return error(400, 'file is required: send the file in the multipart field "file"');
    if (file.data.length > maxUploadBytes) return error(400, `file too large: ${file.data.length} bytes, at most ${maxUploadBytes}`);
    const filename = file.filename || 'upload.bin';
    const id = randomId().replaceAll('-', '');
    stored.set(id, { filename, size: file.data.length, contentType: file.contentType ?? contentType(filename), data: file.data });
    const url = `${base}/media/${id}/${encodeURIComponent(filename)}`;
    uploads.push({ url, filename, size: file.data.length, sha256: sha256(file.data), via: 'binary' });
    return { status: 200, json: { code: 200, message: 'success', data: { type: mediaType(filename), download_url: url, filename, size: file.data.length } } };
  }

  /** @param {Incoming} req @returns {Reply} */
  function serveUpload(req) {
    const entry = stored.get(req.params.id ?? '');
    if (!entry?.data) return { status: 404, body: 'Not Found' };
    return { status: 200, headers: { 'content-type': entry.contentType }, body: entry.data };
  }

  /** @param {Incoming} req @returns {Reply} */
  function serveOutput(req) {
    const data = outputs.get(req.params.id ?? '');
    if (!data) return { status: 404, body: 'Not Found' };
    return { status: 200, headers: { 'content-type': 'video/mp4' }, body: data };
  }

  /** @param {Incoming} req @returns {Reply} */
  function poll(req) {
    const task = queue.tasks.get(req.params.id ?? '');
    if (!task) return error(404, `prediction ${req.params.id} not found`);
    return { status: 200, json: { code: 200, message: 'success', data: view(task) } };
  }

  /** @param {Incoming} req @returns {Reply} */
  function submit(req) {
    const model = req.params.model ?? '';
    if (model !== WAVESPEED_MODEL) return error(404, `model "${model}" not found`);
    if (account === 'unpaid') return error(402, 'Insufficient balance: top up your account to run this model');
    const wait = queue.rateWait(rate);
    if (wait !== undefined) return { ...error(429, 'Too many requests: rate limit of your account level exceeded, retry later'), headers: { 'retry-after': String(wait) } };
    const problem = validate(req);
    if (problem) return error(400, problem);
    const now = core.now();
    /** @type {FakeTask} */
    const task = { id: randomId().replaceAll('-', ''), model, body: req.json, status: 'created', submittedAt: now, createdAt: new Date().toISOString(), media: {} };
    queue.submit(task);
    return { status: 200, json: { code: 200, message: 'success', data: view(task) } };
  }

  /** @param {Incoming} req */
  function validate(req) {
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return 'Content-Type must be application/json';
    const body = req.json;
    if (!isObject(body)) return 'request body must be a JSON object of the model parameters';
    for (const [key, value] of Object.entries(body)) {
      const field = VOID_FIELDS[key];
      if (!field) return `unknown parameter "${key}"; the body is flat JSON of the model's parameters (${Object.keys(VOID_FIELDS).join(', ')})`;
      if (field.type === 'media') {
        if (typeof value !== 'string' || !/^https?:\/\/\S+$/.test(value)) return `${key} must be an http(s) URL, got ${JSON.stringify(value)}`;
      } else if (field.type === 'string') {
        if (typeof value !== 'string') return `${key} must be a string`;
      } else if (field.type === 'boolean') {
        if (typeof value !== 'boolean') return `${key} must be a boolean`;
      } else {
        if (typeof value !== 'number' || (field.type === 'integer' && !Number.isInteger(value))) return `${key} must be ${field.type === 'integer' ? 'an integer' : 'a number'}`;
        if (field.check && !field.check(value)) return `${key} must be in ${field.range}, got ${value}`;
      }
    }
    if (body.enable_sync_mode === true) return 'enable_sync_mode is not supported by this fake; submit asynchronously and poll';
    if (body.video === undefined) return 'video is required';
    if (typeof body.prompt !== 'string' || body.prompt === '') return 'prompt is required';
    if (body.mask_video === undefined && (typeof body.mask_prompt !== 'string' || body.mask_prompt === '')) return 'mask_video or mask_prompt is required';
    return undefined;
  }

  /** @param {FakeTask} task @returns {Promise<import('./tasks.mjs').Outcome>} */
  async function work(task) {
    const body = /** @type {Record<string, unknown>} */ (task.body);
    /** @type {Buffer | undefined} */
    let video;
    for (const field of ['video', 'mask_video']) {
      const url = body[field];
      if (typeof url !== 'string') continue;
      const resolved = await resolveMedia(url, own);
      if (resolved.kind === 'error') return { error: { code: 1402, message: `Failed to download ${field} from the provided URL (${resolved.message})` } };
      if (resolved.kind === 'bytes') {
        task.media[field] = { url, size: resolved.data.length, sha256: sha256(resolved.data) };
        if (field === 'video') video = resolved.data;
      }
    }
    outputs.set(task.id, video ?? (await generatedMp4()));
    return { output: `${base}/files/${task.id}.mp4` };
  }

  /** @param {URL} url @returns {Buffer | null | undefined} */
  function own(url) {
    if (url.origin !== base) return undefined;
    const upload = /^\/media\/([^/]+)\//.exec(url.pathname);
    if (upload) return stored.get(upload[1] ?? '')?.data ?? null;
    const output = /^\/files\/([^/]+)\.mp4$/.exec(url.pathname);
    if (output) return outputs.get(output[1] ?? '') ?? null;
    return null;
  }

  /** @param {FakeTask} task */
  function view(task) {
    const done = task.status === 'completed';
    const failed = task.status === 'failed';
    return {
      id: task.id,
      model: task.model,
      outputs: done && task.output ? [task.output] : [],
      urls: { get: `${base}/api/v3/predictions/${task.id}${pollPath === 'result' ? '/result' : ''}` },
      has_nsfw_contents: done ? [false] : [],
      status: task.status,
      created_at: task.createdAt,
      error: failed ? (task.error?.message ?? '') : '',
      ...(failed ? { code: task.error?.code } : {}),
      timings: { inference: done && task.startedAt !== undefined && task.finishedAt !== undefined ? Math.round(task.finishedAt - task.startedAt) : 0 },
    };
  }

  return providerHandle(core, queue, uploads);
}


/** @param {number} status */
function faultMessage(status) {
  if (status === 429) return 'Too many requests, retry later';
  if (status === 401) return 'Unauthorized';
  if (status === 404) return 'Not Found';
  if (status >= 500) return 'Internal server error, retry later';
  return `HTTP ${status}`;
}
