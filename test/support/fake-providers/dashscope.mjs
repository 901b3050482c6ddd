// @ts-check
// A fake DashScope (Alibaba Model Studio) for wan2.1-vace-plus (provider-apis.md §3): async task creation
// with {model, input, parameters}, task queries, the error envelope and codes, and the temporary upload
// (getPolicy, then a form POST to an OSS-like host on this same server, giving oss:// URLs).
import { createHmac } from 'node:crypto';
import { bearer, header, sha256, startCore } from './http.mjs';
import { generatedMp4, mp4Duration, resolveMedia } from './media.mjs';
import { isObject, providerHandle, randomId } from './provider.mjs';
import { TaskQueue } from './tasks.mjs';

/** @typedef {import('./index.d.mts').FakeOptions} FakeOptions */
/** @typedef {import('./index.d.mts').FakeTask} FakeTask */
/** @typedef {import('./index.d.mts').FakeUpload} FakeUpload */
/** @typedef {import('./http.mjs').Incoming} Incoming */
/** @typedef {import('./http.mjs').Reply} Reply */

export const DASHSCOPE_MODELS = Object.freeze({ intl: 'wan2.1-vace-plus', cn: 'wanx2.1-vace-plus' });
export const DASHSCOPE_SUBMIT_PATH = '/api/v1/services/aigc/video-generation/video-synthesis';

const CONTROL_ALL = ['posebodyface', 'posebody', 'depth', 'scribble'];
const CONTROL_TWO = ['posebodyface', 'depth'];
const SIZES = ['1280*720', '720*1280', '960*960', '832*1088', '1088*832'];
const COMMON_PARAMETERS = ['duration', 'prompt_extend', 'seed', 'watermark'];

/**
 * Which fields each function takes in which half (§3.3), and its required ones.
 * @type {Record<string, {input: string[], parameters: string[], required: string[], video: string[], control?: string[]}>}
 */
const FUNCTIONS = {
  image_reference: { input: ['ref_images_url'], parameters: ['obj_or_bg', 'size', ...COMMON_PARAMETERS], required: ['ref_images_url'], video: [] },
  video_repainting: { input: ['video_url', 'ref_images_url'], parameters: ['control_condition', 'strength', ...COMMON_PARAMETERS], required: ['video_url'], video: ['video_url'], control: CONTROL_ALL },
  video_edit: {
    input: ['video_url', 'ref_images_url', 'mask_image_url', 'mask_video_url', 'mask_frame_id'],
    parameters: ['control_condition', 'mask_type', 'expand_ratio', 'expand_mode', 'size', ...COMMON_PARAMETERS],
    required: ['video_url'],
    video: ['video_url'],
    control: CONTROL_TWO,
  },
  video_extension: {
    input: ['first_frame_url', 'last_frame_url', 'first_clip_url', 'last_clip_url', 'video_url'],
    parameters: ['control_condition', ...COMMON_PARAMETERS],
    required: [],
    // The clips are what the output continues; video_url here is only a motion reference.
    video: ['first_clip_url', 'last_clip_url'],
    control: CONTROL_TWO,
  },
  video_outpainting: { input: ['video_url'], parameters: ['top_scale', 'bottom_scale', 'left_scale', 'right_scale', ...COMMON_PARAMETERS], required: ['video_url'], video: ['video_url'] },
};

const INPUT_FIELDS = new Set(['function', 'prompt', ...Object.values(FUNCTIONS).flatMap((f) => f.input)]);
const PARAMETER_FIELDS = new Set(Object.values(FUNCTIONS).flatMap((f) => f.parameters));
const URL_FIELDS = new Set(['video_url', 'mask_image_url', 'mask_video_url', 'first_frame_url', 'last_frame_url', 'first_clip_url', 'last_clip_url']);
const VIDEO_FIELDS = new Set(['video_url', 'mask_video_url', 'first_clip_url', 'last_clip_url']);

const MB = 1024 * 1024;
const POLICY_SECONDS = 300;

/**
 * @param {FakeOptions} options
 */
export async function startFakeDashScope(options) {
  const {
    apiKey,
    concurrency = 2,
    taskMs = 300,
    rate,
    region = 'intl',
    account = 'ok',
    failRate = 0,
    outputTtlMs = 24 * 3600_000,
    maxUploadBytes = 100 * MB,
    maxVideoBytes = 50 * MB,
  } = options;
  const acceptedModel = DASHSCOPE_MODELS[region];

  /** @type {FakeUpload[]} */
  const uploads = [];
  /** Issued upload policies, by access key id. @type {Map<string, {policy: string, signature: string, dir: string, model: string, expires: number}>} */
  const policies = new Map();
  /** OSS objects by key. @type {Map<string, {data: Buffer, model: string}>} */
  const objects = new Map();
  /** @type {Map<string, {data: Buffer, signature: string, expires: number}>} */
  const outputs = new Map();

  /** @param {number} status @param {string} code @param {string} message @returns {Reply} */
  const error = (status, code, message) => ({ status, json: { request_id: randomId(), code, message } });

  const core = await startCore(
    {
      name: 'DashScope',
      port: options.port,
      latencyMs: options.latencyMs,
      onRequest: options.onRequest,
      faultReply: (kind, status, quoted) => {
        const message = quoted ? `${apiMessage(status)} Request: ${quoted}` : apiMessage(status);
        return kind === 'oss' || kind === 'download' ? ossError(status, ossCode(status), quoted ? `Injected fault. ${quoted}` : 'Injected fault') : error(status, apiCode(status), message);
      },
    },
    () => [
      { method: 'POST', pattern: new RegExp(`^${DASHSCOPE_SUBMIT_PATH}$`), kind: 'submit', handle: authed(submit) },
      { method: 'GET', pattern: /^\/api\/v1\/tasks\/(?<id>[^/]+)$/, kind: 'poll', handle: authed(query) },
      { method: 'GET', pattern: /^\/api\/v1\/uploads$/, kind: 'policy', handle: authed(getPolicy) },
      { method: 'POST', pattern: /^\/oss\/?$/, kind: 'oss', handle: ossPost },
      { method: 'GET', pattern: /^\/files\/(?<id>[^/]+)\.mp4$/, kind: 'download', handle: serveOutput },
    ],
  );
  const base = core.url;
  // The task clock is relative; the provider's timestamps are wall-clock.
  const epoch = Date.now() - core.now();

  const queue = new TaskQueue({
    concurrency,
    taskMs,
    failRate,
    now: () => core.now(),
    words: { queued: 'PENDING', running: 'RUNNING', done: 'SUCCEEDED', failed: 'FAILED' },
    failure: (message) => ({ code: 'InternalServerError', message }),
    work,
  });

  /** @param {(req: Incoming) => Reply | Promise<Reply>} handler */
  function authed(handler) {
    return (/** @type {Incoming} */ req) => {
      const key = bearer(req);
      if (key === undefined) return error(401, 'InvalidApiKey', 'No API-key provided.');
      if (key !== apiKey) return error(401, 'InvalidApiKey', 'Invalid API-key provided.');
      return handler(req);
    };
  }

  /** @param {Incoming} req @returns {Reply} */
  function submit(req) {
    if (header(req, 'x-dashscope-async')?.toLowerCase() !== 'enable') return error(403, 'AccessDenied', 'current user api does not support synchronous calls');
    if (account === 'unpaid') return error(403, 'Arrearage', 'Access denied, please make sure your account is in good standing.');
    const wait = queue.rateWait(rate);
    if (wait !== undefined) return { ...error(429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.'), headers: { 'retry-after': String(wait) } };
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return error(400, 'InvalidParameter', 'Content-Type must be application/json');
    const body = req.json;
    if (!isObject(body)) return error(400, 'InvalidParameter', 'The request body is not valid JSON.');
    if (typeof body.model !== 'string' || body.model === '') return error(400, 'InvalidParameter', 'Model not specified: the body needs "model".');
    if (body.model !== acceptedModel) return error(400, 'InvalidParameter', 'Model not exist.');
    const problem = validate(body) ?? ossProblem(body, header(req, 'x-dashscope-ossresourceresolve')?.toLowerCase() === 'enable');
    if (problem) return error(400, 'InvalidParameter', problem);
    /** @type {FakeTask} */
    const task = { id: randomId(), model: body.model, body, status: 'PENDING', submittedAt: core.now(), createdAt: new Date().toISOString(), media: {} };
    queue.submit(task);
    return { status: 200, json: { request_id: randomId(), output: { task_id: task.id, task_status: task.status } } };
  }

  /** @param {Record<string, unknown>} body @returns {string | undefined} */
  function validate(body) {
    for (const key of Object.keys(body)) if (!['model', 'input', 'parameters'].includes(key)) return `Unknown field "${key}": the body is {model, input, parameters}.`;
    const input = body.input;
    if (!isObject(input)) return 'Field required: input (an object with function, prompt and the media URLs).';
    const parameters = body.parameters ?? {};
    if (!isObject(parameters)) return 'parameters must be an object.';
    const fn = input.function;
    if (typeof fn !== 'string' || fn === '') return 'Field required: input.function.';
    const spec = FUNCTIONS[fn];
    if (!spec) return `input.function must be one of ${Object.keys(FUNCTIONS).join(', ')}, got "${fn}".`;
    if (typeof input.prompt !== 'string' || input.prompt === '') return 'Field required: input.prompt.';
    for (const key of Object.keys(input)) {
      if (PARAMETER_FIELDS.has(key) && !INPUT_FIELDS.has(key)) return `input.${key} is not an input field: "${key}" belongs in parameters.`;
      if (!INPUT_FIELDS.has(key)) return `Unknown field input.${key}.`;
      if (key !== 'function' && key !== 'prompt' && !spec.input.includes(key)) return `input.${key} is not supported by function ${fn}.`;
    }
    for (const key of Object.keys(parameters)) {
      if (INPUT_FIELDS.has(key)) return `parameters.${key} is not a parameter: "${key}" belongs in input.`;
      if (!PARAMETER_FIELDS.has(key)) return `Unknown field parameters.${key}.`;
      if (!spec.parameters.includes(key)) return `parameters.${key} is not supported by function ${fn}.`;
    }
    for (const key of spec.required) if (input[key] === undefined) return `Field required: input.${key} for function ${fn}.`;
    for (const key of Object.keys(input)) {
      if (URL_FIELDS.has(key) && !isMediaUrl(input[key])) return `input.${key} must be an http(s) or oss:// URL, got ${JSON.stringify(input[key])}.`;
    }
    if (input.ref_images_url !== undefined) {
      const refs = input.ref_images_url;
      const max = fn === 'image_reference' ? 3 : 1;
      if (!Array.isArray(refs) || refs.length < 1 || refs.length > max || !refs.every(isMediaUrl))
        return `input.ref_images_url must be an array of 1–${max} http(s) or oss:// URLs for function ${fn}.`;
      if (parameters.obj_or_bg !== undefined) {
        const tags = parameters.obj_or_bg;
        if (!Array.isArray(tags) || tags.length !== refs.length || !tags.every((t) => t === 'obj' || t === 'bg'))
          return 'parameters.obj_or_bg must list "obj" or "bg" for each of input.ref_images_url (same length).';
        if (tags.filter((t) => t === 'bg').length > 1) return 'parameters.obj_or_bg may hold at most one "bg".';
      } else if (fn === 'image_reference' && refs.length > 1) {
        return 'parameters.obj_or_bg is required with more than one reference image.';
      }
    }
    if (fn === 'video_repainting' && parameters.control_condition === undefined) return 'Field required: parameters.control_condition for function video_repainting.';
    if (parameters.control_condition !== undefined && parameters.control_condition !== '' && !spec.control?.includes(/** @type {string} */ (parameters.control_condition)))
      return `parameters.control_condition must be one of ${spec.control?.join(', ')} for function ${fn}.`;
    if (fn === 'video_edit') {
      const image = input.mask_image_url !== undefined;
      const video = input.mask_video_url !== undefined;
      if (image === video) return 'video_edit needs exactly one of input.mask_image_url and input.mask_video_url.';
      if (input.mask_frame_id !== undefined && !(Number.isInteger(input.mask_frame_id) && /** @type {number} */ (input.mask_frame_id) >= 1))
        return 'input.mask_frame_id must be an integer ≥ 1.';
    }
    if (fn === 'video_extension') {
      if (!['first_frame_url', 'last_frame_url', 'first_clip_url', 'last_clip_url'].some((k) => input[k] !== undefined))
        return 'video_extension needs at least one of input.first_frame_url, last_frame_url, first_clip_url, last_clip_url.';
      if (input.video_url !== undefined && parameters.control_condition === undefined) return 'parameters.control_condition is required with input.video_url for video_extension.';
    }
    return parameterValues(parameters);
  }

  /** @param {Record<string, unknown>} body @param {boolean} resolve @returns {string | undefined} */
  function ossProblem(body, resolve) {
    for (const url of mediaUrls(/** @type {Record<string, unknown>} */ (body.input)).map((m) => m.url)) {
      if (!url.startsWith('oss://')) continue;
      if (!resolve) return `The URL ${url} could not be read: temporary oss:// files need the header X-DashScope-OssResourceResolve: enable.`;
      const object = objects.get(url.slice('oss://'.length));
      if (!object) return `The temporary file ${url} does not exist or has expired.`;
      if (object.model !== body.model) return `The temporary file ${url} was uploaded for model ${object.model}, not ${body.model}.`;
    }
    return undefined;
  }

  /** @param {Incoming} req @returns {Reply} */
  function query(req) {
    const task = queue.tasks.get(req.params.id ?? '');
    if (!task) return { status: 200, json: { request_id: randomId(), output: { task_id: req.params.id, task_status: 'UNKNOWN' } } };
    return { status: 200, json: view(task) };
  }

  /** @param {Incoming} req @returns {Reply} */
  function getPolicy(req) {
    if (req.query.action !== 'getPolicy') return error(400, 'InvalidParameter', 'action must be getPolicy.');
    const model = req.query.model;
    if (!model) return error(400, 'InvalidParameter', 'Field required: model (the model the file is for).');
    if (model !== acceptedModel) return error(400, 'InvalidParameter', 'Model not exist.');
    const accessKey = `LTAI5tFake${randomId().replaceAll('-', '').slice(0, 14)}`;
    const expires = Date.now() + POLICY_SECONDS * 1000;
    const dir = `dashscope-instant/${randomId().replaceAll('-', '')}/${new Date().toISOString().slice(0, 10)}/${randomId()}`;
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(expires).toISOString(),
        conditions: [['content-length-range', 0, maxUploadBytes], ['starts-with', '$key', dir]],
      }),
    ).toString('base64');
    const signature = createHmac('sha1', accessKey).update(policy).digest('base64');
    policies.set(accessKey, { policy, signature, dir, model, expires });
    return {
      status: 200,
      json: {
        request_id: randomId(),
        data: {
          policy,
          signature,
          upload_dir: dir,
          upload_host: `${base}/oss`,
          expire_in_seconds: POLICY_SECONDS,
          max_file_size_mb: Math.floor(maxUploadBytes / MB),
          capacity_limit_mb: 999999999,
          oss_access_key_id: accessKey,
          x_oss_object_acl: 'private',
          x_oss_forbid_overwrite: 'true',
        },
      },
    };
  }

  // OSS PostObject: every field is checked against the policy it came with, and, as on OSS, the file
  // must be the last field (OSS ignores what follows it).
  /** @param {Incoming} req @returns {Reply} */
  function ossPost(req) {
    if (!req.parts) return ossError(400, 'InvalidArgument', 'The body must be multipart/form-data.');
    const parts = req.parts;
    const fileIndex = parts.findIndex((p) => p.name === 'file');
    if (fileIndex < 0) return ossError(400, 'InvalidArgument', 'The form has no "file" field.');
    if (fileIndex !== parts.length - 1) return ossError(400, 'InvalidArgument', `"file" must be the last form field; OSS ignores ${parts.slice(fileIndex + 1).map((p) => p.name).join(', ')} after it.`);
    /** @type {Record<string, string>} */
    const fields = {};
    for (const p of parts.slice(0, fileIndex)) fields[p.name] = p.data.toString('utf8');
    const file = /** @type {import('./http.mjs').Part} */ (parts[fileIndex]);
    const policy = policies.get(fields.OSSAccessKeyId ?? '');
    if (!policy) return ossError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.');
    if (fields.policy !== policy.policy) return ossError(403, 'AccessDenied', 'Invalid according to Policy: the policy field is not the one issued with this OSSAccessKeyId.');
    if (fields.Signature !== policy.signature) return ossError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    if (Date.now() > policy.expires) return ossError(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    const key = fields.key;
    if (!key) return ossError(400, 'InvalidArgument', 'The form has no "key" field.');
    if (!key.startsWith(`${policy.dir}/`) || key.length === policy.dir.length + 1)
      return ossError(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "${policy.dir}"]`);
    for (const [name, want] of [['x-oss-object-acl', 'private'], ['x-oss-forbid-overwrite', 'true'], ['success_action_status', '200']]) {
      if (fields[/** @type {string} */ (name)] !== want)
        return ossError(403, 'AccessDenied', `Invalid according to Policy: ${name} must be "${want}", got ${JSON.stringify(fields[/** @type {string} */ (name)] ?? null)}`);
    }
    if (file.data.length > maxUploadBytes) return ossError(400, 'EntityTooLarge', `Your proposed upload exceeds the maximum allowed size (${maxUploadBytes} bytes).`);
    if (objects.has(key)) return ossError(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.');
    objects.set(key, { data: file.data, model: policy.model });
    uploads.push({ url: `oss://${key}`, filename: file.filename ?? key.split('/').pop() ?? key, size: file.data.length, sha256: sha256(file.data), via: 'oss', model: policy.model });
    return { status: 200, body: '' };
  }

  // Result links are signed like OSS's: a link whose query was dropped or altered, or that has expired, is refused.
  /** @param {Incoming} req @returns {Reply} */
  function serveOutput(req) {
    const out = outputs.get(req.params.id ?? '');
    if (!out) return ossError(404, 'NoSuchKey', 'The specified key does not exist.');
    if (req.query.Signature !== out.signature) return ossError(403, 'AccessDenied', 'The request signature is missing or wrong: download the video_url exactly as returned.');
    if (Date.now() > out.expires) return ossError(403, 'AccessDenied', 'Request has expired.');
    return { status: 200, headers: { 'content-type': 'video/mp4' }, body: out.data };
  }

  /** @param {FakeTask} task @returns {Promise<import('./tasks.mjs').Outcome>} */
  async function work(task) {
    const body = /** @type {{input: Record<string, unknown>}} */ (task.body);
    const spec = /** @type {(typeof FUNCTIONS)[string]} */ (FUNCTIONS[/** @type {string} */ (body.input.function)]);
    /** @type {Map<string, Buffer>} */
    const read = new Map();
    for (const { field, url } of mediaUrls(body.input)) {
      const resolved = url.startsWith('oss://') ? { kind: /** @type {const} */ ('bytes'), data: /** @type {{data: Buffer}} */ (objects.get(url.slice(6))).data } : await resolveMedia(url, own);
      if (resolved.kind === 'error')
        return { error: { code: 'InvalidParameter.DataInspection', message: `Failed to download the media resource of ${field} (${resolved.message}).` } };
      if (resolved.kind !== 'bytes') continue;
      if (VIDEO_FIELDS.has(field) && resolved.data.length > maxVideoBytes)
        return { error: { code: 'InvalidParameter', message: `The video of ${field} exceeds ${Math.round(maxVideoBytes / MB)} MB.` } };
      task.media[field] = { url, size: resolved.data.length, sha256: sha256(resolved.data) };
      read.set(field, resolved.data);
    }
    const source = spec.video.map((f) => read.get(f)).find((d) => d !== undefined);
    const data = source ?? (await generatedMp4());
    // A generated clip stands for a full 5 s result; a returned input bills its own length, capped at 5 s.
    const seconds = source ? Math.min(5, Math.max(1, Math.ceil(mp4Duration(source) ?? 5))) : 5;
    const expires = Date.now() + outputTtlMs;
    const signature = createHmac('sha1', 'fake-oss').update(task.id).digest('base64');
    outputs.set(task.id, { data, signature, expires });
    const query = new URLSearchParams({ Expires: String(Math.floor(expires / 1000)), OSSAccessKeyId: 'LTAI5tFakeResult', Signature: signature });
    return { output: `${base}/files/${task.id}.mp4?${query}`, durationS: seconds };
  }

  /** @param {URL} url @returns {Buffer | null | undefined} */
  function own(url) {
    if (url.origin !== base) return undefined;
    const m = /^\/files\/([^/]+)\.mp4$/.exec(url.pathname);
    const out = m ? outputs.get(m[1] ?? '') : undefined;
    return out && url.searchParams.get('Signature') === out.signature && Date.now() <= out.expires ? out.data : null;
  }

  /** @param {FakeTask} task */
  function view(task) {
    const input = /** @type {{input: Record<string, unknown>, parameters?: Record<string, unknown>}} */ (task.body);
    /** @type {Record<string, unknown>} */
    const output = { task_id: task.id, task_status: task.status, submit_time: stamp(task.submittedAt) };
    if (task.startedAt !== undefined) output.scheduled_time = stamp(task.startedAt);
    if (task.finishedAt !== undefined) output.end_time = stamp(task.finishedAt);
    if (task.status === 'SUCCEEDED') {
      output.video_url = task.output;
      output.orig_prompt = input.input.prompt;
      if (input.parameters?.prompt_extend !== false) output.actual_prompt = `${input.input.prompt} (extended)`;
      return { request_id: randomId(), output, usage: { video_duration: task.durationS, video_ratio: 'standard', video_count: 1 } };
    }
    if (task.status === 'FAILED') {
      output.code = task.error?.code;
      output.message = task.error?.message;
    }
    return { request_id: randomId(), output };
  }

  /** `YYYY-MM-DD HH:mm:ss.SSS`, the providers' format. @param {number} t */
  function stamp(t) {
    return new Date(epoch + t).toISOString().replace('T', ' ').replace('Z', '');
  }

  return providerHandle(core, queue, uploads);
}

/** Every media URL in an input, with its field (`ref_images_url[0]` for list items). @param {Record<string, unknown>} input */
function mediaUrls(input) {
  /** @type {{field: string, url: string}[]} */
  const out = [];
  for (const [key, value] of Object.entries(input)) {
    if (URL_FIELDS.has(key) && typeof value === 'string') out.push({ field: key, url: value });
    if (key === 'ref_images_url' && Array.isArray(value)) value.forEach((v, i) => typeof v === 'string' && out.push({ field: `${key}[${i}]`, url: v }));
  }
  return out;
}

/** @param {Record<string, unknown>} p @returns {string | undefined} */
function parameterValues(p) {
  /** @type {(key: string, ok: boolean, what: string) => string | undefined} */
  const need = (key, ok, what) => (p[key] === undefined || ok ? undefined : `parameters.${key} must be ${what}, got ${JSON.stringify(p[key])}.`);
  const num = (/** @type {string} */ k, /** @type {number} */ lo, /** @type {number} */ hi) => typeof p[k] === 'number' && /** @type {number} */ (p[k]) >= lo && /** @type {number} */ (p[k]) <= hi;
  return (
    need('duration', p.duration === 5, '5 (fixed)') ??
    need('size', SIZES.includes(/** @type {string} */ (p.size)), `one of ${SIZES.join(', ')}`) ??
    need('prompt_extend', typeof p.prompt_extend === 'boolean', 'a boolean') ??
    need('watermark', typeof p.watermark === 'boolean', 'a boolean') ??
    need('seed', Number.isInteger(p.seed) && num('seed', 0, 2147483647), 'an integer in [0, 2147483647]') ??
    need('strength', num('strength', 0, 1), 'in [0, 1]') ??
    need('expand_ratio', num('expand_ratio', 0, 1), 'in [0, 1]') ??
    need('mask_type', p.mask_type === 'tracking' || p.mask_type === 'fixed', 'tracking or fixed') ??
    need('expand_mode', ['hull', 'bbox', 'original'].includes(/** @type {string} */ (p.expand_mode)), 'hull, bbox or original') ??
    ['top_scale', 'bottom_scale', 'left_scale', 'right_scale'].map((k) => need(k, num(k, 1, 2), 'in [1, 2]')).find((m) => m !== undefined)
  );
}

/** @param {unknown} v */
function isMediaUrl(v) {
  return typeof v === 'string' && /^(https?|oss):\/\/\S+$/.test(v);
}


/** @param {number} status @param {string} code @param {string} message @returns {Reply} */
function ossError(status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${escapeXml(message)}</Message>\n  <RequestId>${randomId().replaceAll('-', '').toUpperCase()}</RequestId>\n  <HostId>fake-oss</HostId>\n</Error>\n`;
  return { status, headers: { 'content-type': 'application/xml' }, body };
}

/** @param {string} s */
function escapeXml(s) {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/** @param {number} status */
function apiCode(status) {
  return (
    /** @type {Record<number, string>} */ ({ 400: 'InvalidParameter', 401: 'InvalidApiKey', 403: 'AccessDenied', 404: 'NotFound', 429: 'Throttling.RateQuota', 500: 'InternalServerError' })[status] ??
    (status >= 500 ? 'InternalServerError' : 'InvalidParameter')
  );
}

/** @param {number} status */
function apiMessage(status) {
  if (status === 429) return 'Requests rate limit exceeded, please try again later.';
  if (status >= 500) return 'An internal error has occured, please try again later or contact service support.';
  return `Injected HTTP ${status}.`;
}

/** @param {number} status */
function ossCode(status) {
  return /** @type {Record<number, string>} */ ({ 403: 'AccessDenied', 404: 'NoSuchKey', 503: 'ServiceUnavailable' })[status] ?? (status >= 500 ? 'InternalError' : 'InvalidArgument');
}
