// The fake provider servers themselves, spoken to with plain fetch: the wire formats the clients are
// written against, task progress and queueing, uploads, faults, limits and the request log.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DASHSCOPE_SUBMIT_PATH,
  mp4Duration,
  startFakeDashScope,
  startFakeWaveSpeed,
  WAVESPEED_MODEL,
  type FakeOptions,
  type FakeProvider,
  type MultipartLog,
} from './support/fake-providers/index.mjs';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

const WS_KEY = 'ws-test-key';
const DS_KEY = 'ds-test-key';
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
let clip: Buffer; // 2 s, 16 fps
let mask: Buffer;
beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-fakes-');
  clip = await readFile(await makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 2 }));
  mask = await readFile(await makeClip(join(dir, 'mask.mp4'), { width: 64, height: 48, fps: 16, duration: 2, source: 'color', color: 'white' }));
});
afterAll(() => removeDir(dir));

const servers: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function ws(options: Partial<FakeOptions> = {}) {
  const server = await startFakeWaveSpeed({ apiKey: WS_KEY, taskMs: 80, ...options });
  servers.push(server);
  return server;
}
async function ds(options: Partial<FakeOptions> = {}) {
  const server = await startFakeDashScope({ apiKey: DS_KEY, taskMs: 80, ...options });
  servers.push(server);
  return server;
}

type Json = Record<string, any>;
async function call(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; json: Json; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // OSS answers XML, uploads answer nothing.
  }
  return { status: res.status, headers: res.headers, json, text };
}
async function bytes(url: string): Promise<{ status: number; data: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, data: Buffer.from(await res.arrayBuffer()) };
}
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(15);
  }
}

// ---------------------------------------------------------------- WaveSpeed

const wsHeaders = { authorization: `Bearer ${WS_KEY}`, 'content-type': 'application/json' };
const voidBody = { video: 'https://cdn.example.com/in.mp4', prompt: 'an empty kitchen', mask_prompt: 'the man' };
function wsSubmit(server: FakeProvider, body: unknown, headers: Record<string, string> = wsHeaders) {
  return call(`${server.url}/api/v3/${WAVESPEED_MODEL}`, { method: 'POST', headers, body: JSON.stringify(body) });
}
async function wsDone(url: string) {
  return until('a finished prediction', async () => {
    const r = await call(url, { headers: wsHeaders });
    return r.json.data?.status === 'completed' || r.json.data?.status === 'failed' ? r : undefined;
  });
}
async function wsUploadBinary(server: FakeProvider, data: Buffer, name: string) {
  const form = new FormData();
  form.append('file', new Blob([data]), name);
  return call(`${server.url}/api/v3/media/upload/binary`, { method: 'POST', headers: { authorization: `Bearer ${WS_KEY}` }, body: form });
}

describe('fake WaveSpeed', () => {
  it('refuses a missing or wrong key with 401 and logs the header as sent', async () => {
    const server = await ws();
    const none = await wsSubmit(server, voidBody, { 'content-type': 'application/json' });
    const wrong = await wsSubmit(server, voidBody, { ...wsHeaders, authorization: 'Bearer nope' });
    expect([none.status, none.json.code, wrong.status]).toEqual([401, 401, 401]);
    expect(none.json.message).toMatch(/^Unauthorized/);
    expect(server.requests.map((r) => [r.headers.authorization, r.status])).toEqual([[undefined, 401], ['Bearer nope', 401]]);
    expect(server.tasks.size).toBe(0);
  });

  it('validates the flat body: required fields, http(s) media, no nesting, known model', async () => {
    const server = await ws();
    const cases: [unknown, RegExp][] = [
      [{ prompt: 'p', mask_prompt: 'm' }, /video is required/],
      [{ ...voidBody, video: 'assets/in.mp4' }, /video must be an http\(s\) URL/],
      [{ ...voidBody, mask_prompt: undefined, mask_video: 'file:///tmp/m.mp4' }, /mask_video must be an http\(s\) URL/],
      [{ video: voidBody.video, prompt: 'p' }, /mask_video or mask_prompt is required/],
      [{ input: voidBody }, /unknown parameter "input"/],
      [{ ...voidBody, num_frames: 80 }, /num_frames must be in/],
    ];
    for (const [body, message] of cases) {
      const r = await wsSubmit(server, body);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ code: 400, message: expect.stringMatching(message) });
    }
    const unknown = await call(`${server.url}/api/v3/wavespeed-ai/nope`, { method: 'POST', headers: wsHeaders, body: JSON.stringify(voidBody) });
    expect(unknown.status).toBe(404);
    expect(server.tasks.size).toBe(0);
  });

  it('queues beyond its concurrency and moves created → processing → completed on real timers', async () => {
    const server = await ws({ concurrency: 1, taskMs: 150 });
    const first = await wsSubmit(server, voidBody);
    const second = await wsSubmit(server, voidBody);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ code: 200, message: 'success', data: { status: 'created', outputs: [], model: WAVESPEED_MODEL } });
    const { id, urls } = first.json.data as { id: string; urls: { get: string } };
    expect(urls.get).toBe(`${server.url}/api/v3/predictions/${id}/result`);
    const secondId = second.json.data.id as string;

    const seen = new Set<string>();
    await until('first task done', async () => {
      const r = await call(urls.get, { headers: wsHeaders });
      seen.add(r.json.data.status);
      // Read both from the server in one tick: the answer above may be stale by the time it arrives.
      if (server.tasks.get(id)?.status === 'processing') expect(server.tasks.get(secondId)?.status).toBe('created');
      return r.json.data.status === 'completed' ? true : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(['processing', 'completed']));
    const done = await wsDone(`${server.url}/api/v3/predictions/${secondId}`); // the path without /result works too
    expect(done.json.data).toMatchObject({ status: 'completed', error: '', has_nsfw_contents: [false] });
    expect(done.json.data.timings.inference).toBeGreaterThanOrEqual(140);
    const second_ = server.tasks.get(secondId)!;
    const first_ = server.tasks.get(id)!;
    expect(second_.startedAt!).toBeGreaterThanOrEqual(first_.finishedAt!);
    expect(server.stats().maxInFlight).toBe(1);

    // The input is an https URL the fake cannot fetch, so the output is the generated 1 s clip.
    const out = await bytes(done.json.data.outputs[0] as string);
    expect(out.status).toBe(200);
    expect(mp4Duration(out.data)).toBeCloseTo(1, 1);
    expect((await call(`${server.url}/api/v3/predictions/missing/result`, { headers: wsHeaders })).status).toBe(404);
  });

  it('points urls.get at /predictions/{id} when asked', async () => {
    const server = await ws({ pollPath: 'prediction' });
    const r = await wsSubmit(server, voidBody);
    expect(r.json.data.urls.get).toBe(`${server.url}/api/v3/predictions/${r.json.data.id}`);
  });

  it('takes uploads by ticket + PUT and by binary form, and returns the input video unchanged', async () => {
    const server = await ws();
    const ticket = await call(`${server.url}/api/v3/media/uploads`, {
      method: 'POST',
      headers: wsHeaders,
      body: JSON.stringify({ filename: 'clip.mp4', size: clip.length, content_type: 'video/mp4' }),
    });
    expect(ticket.json).toMatchObject({ code: 200, data: { type: 'video', filename: 'clip.mp4', size: clip.length, upload: { method: 'PUT', headers: { 'Content-Type': 'video/mp4' } } } });
    const { download_url: videoUrl, upload } = ticket.json.data as { download_url: string; upload: { url: string; headers: Record<string, string> } };
    expect((await bytes(videoUrl)).status).toBe(404); // nothing there before the PUT
    const badPut = await call(upload.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: clip });
    expect(badPut.status).toBe(403);
    const put = await call(upload.url, { method: 'PUT', headers: upload.headers, body: clip });
    expect(put.status).toBe(200);
    expect(sha((await bytes(videoUrl)).data)).toBe(sha(clip));

    const binary = await wsUploadBinary(server, mask, 'mask.mp4');
    expect(binary.json).toMatchObject({ code: 200, message: 'success', data: { type: 'video', filename: 'mask.mp4', size: mask.length } });
    const maskUrl = binary.json.data.download_url as string;
    const logged = server.requests.find((r) => r.path === '/api/v3/media/upload/binary')!.body as MultipartLog;
    expect(logged.files.file).toEqual({ filename: 'mask.mp4', size: mask.length, sha256: sha(mask) });
    expect(server.uploads.map((u) => u.via)).toEqual(['ticket', 'binary']);

    const r = await wsSubmit(server, { video: videoUrl, mask_video: maskUrl, prompt: 'an empty kitchen' });
    const done = await wsDone(r.json.data.urls.get as string);
    const out = await bytes(done.json.data.outputs[0] as string);
    expect(sha(out.data)).toBe(sha(clip));
    expect(server.tasks.get(r.json.data.id as string)!.media).toEqual({
      video: { url: videoUrl, size: clip.length, sha256: sha(clip) },
      mask_video: { url: maskUrl, size: mask.length, sha256: sha(mask) },
    });
  });

  it('answers 404 to the ticket upload when ticketUpload is false', async () => {
    const server = await ws({ ticketUpload: false });
    const ticket = await call(`${server.url}/api/v3/media/uploads`, { method: 'POST', headers: wsHeaders, body: JSON.stringify({ filename: 'a.mp4', size: 3 }) });
    expect(ticket.status).toBe(404);
    expect((await wsUploadBinary(server, clip, 'clip.mp4')).status).toBe(200);
  });

  it('fails a task with HTTP 200 and data.error, and a task whose media cannot be fetched', async () => {
    const server = await ws();
    server.failNext('content moderation');
    const failed = await wsDone((await wsSubmit(server, voidBody)).json.data.urls.get as string);
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ code: 200, data: { status: 'failed', error: 'content moderation', outputs: [] } });
    const missing = await wsSubmit(server, { ...voidBody, video: `${server.url}/media/nothing/x.mp4` });
    const broken = await wsDone(missing.json.data.urls.get as string);
    expect(broken.json.data).toMatchObject({ status: 'failed', code: 1402, error: expect.stringMatching(/Failed to download video/) });
  });

  it('limits submissions with 429 + Retry-After, and refuses an unpaid account', async () => {
    const server = await ws({ rate: { count: 2, perMs: 1000 } });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await wsSubmit(server, voidBody));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2]!.json.code).toBe(429);
    expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(server.stats().submits).toHaveLength(2);
    expect(server.stats().maxSubmitsIn(1000)).toBe(2);

    const unpaid = await ws({ account: 'unpaid' });
    const r = await wsSubmit(unpaid, voidBody);
    expect([r.status, r.json.code]).toEqual([402, 402]);
    expect(r.json.message).toMatch(/balance/i);
  });

  it('injects faults: a status with Retry-After, a dropped submit that still created its task, delays, matches', async () => {
    const server = await ws();
    server.fault({ on: 'submit', status: 429, retryAfter: 7, times: 2 });
    const limited = [await wsSubmit(server, voidBody), await wsSubmit(server, voidBody)];
    expect(limited.map((r) => [r.status, r.headers.get('retry-after'), r.json.code])).toEqual([[429, '7', 429], [429, '7', 429]]);
    expect(server.tasks.size).toBe(0);

    server.fault({ on: 'submit', drop: true });
    await expect(wsSubmit(server, voidBody)).rejects.toThrow();
    expect(server.tasks.size).toBe(1);
    expect(server.requests.at(-1)).toMatchObject({ dropped: true, status: 0 });

    const ok = await wsSubmit(server, voidBody);
    const id = ok.json.data.id as string;
    server.fault({ on: 'poll', status: 503, match: (req) => req.path.includes(id) });
    server.fault({ on: 'poll', delayMs: 150 });
    expect((await call(ok.json.data.urls.get as string, { headers: wsHeaders })).status).toBe(503);
    const started = Date.now();
    expect((await call(ok.json.data.urls.get as string, { headers: wsHeaders })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(server.tasks.size).toBe(2);
  });
});

// ---------------------------------------------------------------- DashScope

const dsHeaders = { authorization: `Bearer ${DS_KEY}`, 'content-type': 'application/json', 'x-dashscope-async': 'enable' };
function dsSubmit(server: FakeProvider, body: unknown, headers: Record<string, string> = dsHeaders) {
  return call(`${server.url}${DASHSCOPE_SUBMIT_PATH}`, { method: 'POST', headers, body: JSON.stringify(body) });
}
function outpaint(videoUrl: string, extra: Json = {}) {
  return { model: 'wan2.1-vace-plus', input: { function: 'video_outpainting', prompt: 'a wide kitchen', video_url: videoUrl }, parameters: { left_scale: 1.5 }, ...extra };
}
async function dsDone(server: FakeProvider, taskId: string) {
  return until('a finished task', async () => {
    const r = await call(`${server.url}/api/v1/tasks/${taskId}`, { headers: { authorization: `Bearer ${DS_KEY}` } });
    return ['SUCCEEDED', 'FAILED'].includes(r.json.output.task_status as string) ? r : undefined;
  });
}
async function ossUpload(server: FakeProvider, data: Buffer, name: string, tamper: (fields: [string, string][]) => [string, string][] = (f) => f) {
  const policy = await call(`${server.url}/api/v1/uploads?action=getPolicy&model=wan2.1-vace-plus`, { headers: { authorization: `Bearer ${DS_KEY}` } });
  const d = policy.json.data as Record<string, string>;
  const key = `${d.upload_dir}/${name}`;
  const fields = tamper([
    ['OSSAccessKeyId', d.oss_access_key_id!],
    ['Signature', d.signature!],
    ['policy', d.policy!],
    ['x-oss-object-acl', d.x_oss_object_acl!],
    ['x-oss-forbid-overwrite', d.x_oss_forbid_overwrite!],
    ['key', key],
    ['success_action_status', '200'],
    ['file', ''],
  ]);
  const form = new FormData();
  for (const [k, v] of fields) if (k === 'file') form.append('file', new Blob([data]), name); else form.append(k, v);
  const r = await call(d.upload_host!, { method: 'POST', body: form });
  return { ...r, url: `oss://${key}`, host: d.upload_host! };
}

describe('fake DashScope', () => {
  it('answers auth and sync-call errors in its envelope', async () => {
    const server = await ds();
    const none = await dsSubmit(server, outpaint('https://x/a.mp4'), { 'content-type': 'application/json', 'x-dashscope-async': 'enable' });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: 'InvalidApiKey', message: 'No API-key provided.', request_id: expect.any(String) });
    const sync = await dsSubmit(server, outpaint('https://x/a.mp4'), { authorization: `Bearer ${DS_KEY}`, 'content-type': 'application/json' });
    expect(sync.status).toBe(403);
    expect(sync.json).toMatchObject({ code: 'AccessDenied', message: 'current user api does not support synchronous calls' });
  });

  it('checks the {model, input, parameters} layout, the function fields and the region model', async () => {
    const server = await ds();
    const base = outpaint('https://x/a.mp4');
    const cases: [unknown, RegExp][] = [
      [{ ...base, input: { ...base.input, left_scale: 1.5 } }, /input\.left_scale .* belongs in parameters/],
      [{ ...base, parameters: { video_url: 'https://x/b.mp4' } }, /parameters\.video_url .* belongs in input/],
      [{ ...base, input: { prompt: 'p', video_url: 'https://x/a.mp4' } }, /input\.function/],
      [{ ...base, input: { function: 'video_outpainting', video_url: 'https://x/a.mp4' } }, /input\.prompt/],
      [{ ...base, input: { ...base.input, video_url: 'clips/a.mp4' } }, /http\(s\) or oss:\/\/ URL/],
      [{ ...base, parameters: { obj_or_bg: ['obj'] } }, /not supported by function video_outpainting/],
      [{ ...base, input: { function: 'video_repainting', prompt: 'p', video_url: 'https://x/a.mp4' }, parameters: {} }, /control_condition/],
      [{ ...base, model: 'wanx2.1-vace-plus' }, /Model not exist/],
    ];
    for (const [body, message] of cases) {
      const r = await dsSubmit(server, body);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ code: 'InvalidParameter', message: expect.stringMatching(message) });
    }
    expect(server.tasks.size).toBe(0);
    const cn = await ds({ region: 'cn' });
    expect((await dsSubmit(cn, { ...base, model: 'wanx2.1-vace-plus' })).status).toBe(200);
    expect((await dsSubmit(cn, base)).status).toBe(400);
  });

  it('runs PENDING → RUNNING → SUCCEEDED, returns the input video from a loopback URL, signs and bills it', async () => {
    const source = await ws(); // a URL the fake can fetch: a file uploaded to the other fake
    const videoUrl = (await wsUploadBinary(source, clip, 'clip.mp4')).json.data.download_url as string;
    const server = await ds({ concurrency: 1, taskMs: 150 });
    const first = await dsSubmit(server, outpaint(videoUrl));
    const second = await dsSubmit(server, outpaint(videoUrl, { parameters: { prompt_extend: false } }));
    expect(first.json).toMatchObject({ request_id: expect.any(String), output: { task_id: expect.any(String), task_status: 'PENDING' } });
    const seen = new Set<string>();
    const done = await until('SUCCEEDED', async () => {
      const r = await call(`${server.url}/api/v1/tasks/${first.json.output.task_id}`, { headers: { authorization: `Bearer ${DS_KEY}` } });
      seen.add(r.json.output.task_status);
      return r.json.output.task_status === 'SUCCEEDED' ? r : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(['RUNNING', 'SUCCEEDED']));
    expect(server.tasks.get(second.json.output.task_id as string)!.status).not.toBe('SUCCEEDED');
    expect(done.json.output).toMatchObject({ orig_prompt: 'a wide kitchen', submit_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/), end_time: expect.any(String) });
    expect(done.json.usage).toEqual({ video_duration: 2, video_ratio: 'standard', video_count: 1 });
    const videoOut = done.json.output.video_url as string;
    expect(videoOut).toMatch(/\?Expires=\d+&OSSAccessKeyId=[^&]+&Signature=/);
    expect(sha((await bytes(videoOut)).data)).toBe(sha(clip));
    expect((await bytes(videoOut.split('?')[0]!)).status).toBe(403); // a redacted link does not download

    const secondDone = await dsDone(server, second.json.output.task_id as string);
    expect(secondDone.json.output.actual_prompt).toBeUndefined();
    expect(server.stats().maxInFlight).toBe(1);
    const unknown = await call(`${server.url}/api/v1/tasks/nope`, { headers: { authorization: `Bearer ${DS_KEY}` } });
    expect([unknown.status, unknown.json.output]).toEqual([200, { task_id: 'nope', task_status: 'UNKNOWN' }]);
  });

  it('returns a generated 5 s-billed clip when there is no input video', async () => {
    const server = await ds();
    const r = await dsSubmit(server, { model: 'wan2.1-vace-plus', input: { function: 'image_reference', prompt: 'a cat', ref_images_url: ['https://x/cat.png'] }, parameters: { obj_or_bg: ['obj'] } });
    const done = await dsDone(server, r.json.output.task_id as string);
    expect(done.json.usage.video_duration).toBe(5);
    expect(mp4Duration((await bytes(done.json.output.video_url as string)).data)).toBeCloseTo(1, 1);
  });

  it('takes temporary uploads through the policy and the OSS form, resolvable only with the header', async () => {
    const server = await ds();
    const good = await ossUpload(server, clip, 'clip.mp4');
    expect([good.status, good.host]).toEqual([200, `${server.url}/oss`]);
    expect(server.uploads).toEqual([expect.objectContaining({ url: good.url, size: clip.length, sha256: sha(clip), via: 'oss', model: 'wan2.1-vace-plus' })]);
    const logged = server.requests.find((r) => r.path === '/oss')!.body as MultipartLog;
    expect(Object.keys(logged.fields)).toEqual(['OSSAccessKeyId', 'Signature', 'policy', 'x-oss-object-acl', 'x-oss-forbid-overwrite', 'key', 'success_action_status']);

    const refused: [string, (f: [string, string][]) => [string, string][], number, string][] = [
      ['signature', (f) => f.map(([k, v]) => [k, k === 'Signature' ? 'AAAA' : v]), 403, 'SignatureDoesNotMatch'],
      ['key outside upload_dir', (f) => f.map(([k, v]) => [k, k === 'key' ? 'elsewhere/clip.mp4' : v]), 403, 'AccessDenied'],
      ['file not last', (f) => [...f.filter(([k]) => k !== 'key'), ['key', f.find(([k]) => k === 'key')![1]]], 400, 'InvalidArgument'],
      ['status field', (f) => f.filter(([k]) => k !== 'success_action_status'), 403, 'AccessDenied'],
    ];
    for (const [what, tamper, status, code] of refused) {
      const r = await ossUpload(server, clip, 'x.mp4', tamper);
      expect([what, r.status, r.text]).toEqual([what, status, expect.stringContaining(`<Code>${code}</Code>`)]);
    }

    const without = await dsSubmit(server, outpaint(good.url));
    expect(without.status).toBe(400);
    expect(without.json.message).toMatch(/X-DashScope-OssResourceResolve/);
    const resolve = { ...dsHeaders, 'x-dashscope-ossresourceresolve': 'enable' };
    const stranger = await dsSubmit(server, outpaint('oss://dashscope-instant/never/uploaded.mp4'), resolve);
    expect([stranger.status, stranger.json.code]).toEqual([400, 'InvalidParameter']);
    const ok = await dsSubmit(server, outpaint(good.url), resolve);
    const done = await dsDone(server, ok.json.output.task_id as string);
    expect(sha((await bytes(done.json.output.video_url as string)).data)).toBe(sha(clip));
    expect(server.tasks.get(ok.json.output.task_id as string)!.media.video_url).toEqual({ url: good.url, size: clip.length, sha256: sha(clip) });
  });

  it('enforces upload and input video size limits', async () => {
    const server = await ds({ maxUploadBytes: 1000, maxVideoBytes: 1000 });
    const big = await ossUpload(server, clip, 'clip.mp4');
    expect([big.status, big.text]).toEqual([400, expect.stringContaining('<Code>EntityTooLarge</Code>')]);
    const source = await ws();
    const videoUrl = (await wsUploadBinary(source, clip, 'clip.mp4')).json.data.download_url as string;
    const done = await dsDone(server, (await dsSubmit(server, outpaint(videoUrl))).json.output.task_id as string);
    expect(done.json.output).toMatchObject({ task_status: 'FAILED', code: 'InvalidParameter', message: expect.stringMatching(/exceeds/) });
  });

  it('fails tasks, throttles, refuses an unpaid account, and drops a submit after creating its task', async () => {
    const server = await ds({ rate: { count: 2, perMs: 1000 } });
    server.failNext('The size is not match', 1);
    const failed = await dsDone(server, (await dsSubmit(server, outpaint('https://x/a.mp4'))).json.output.task_id as string);
    expect(failed.json.output).toMatchObject({ task_status: 'FAILED', code: expect.any(String), message: 'The size is not match' });
    expect(failed.json.usage).toBeUndefined();
    await dsSubmit(server, outpaint('https://x/a.mp4'));
    const throttled = await dsSubmit(server, outpaint('https://x/a.mp4'));
    expect([throttled.status, throttled.json.code]).toEqual([429, 'Throttling.RateQuota']);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const unpaid = await ds({ account: 'unpaid' });
    const r = await dsSubmit(unpaid, outpaint('https://x/a.mp4'));
    expect([r.status, r.json.code]).toEqual([403, 'Arrearage']);

    const dropping = await ds();
    dropping.fault({ on: 'submit', drop: true });
    await expect(dsSubmit(dropping, outpaint('https://x/a.mp4'))).rejects.toThrow();
    expect(dropping.tasks.size).toBe(1);
    dropping.fault({ on: 'poll', status: 500 });
    const broken = await call(`${dropping.url}/api/v1/tasks/x`, { headers: { authorization: `Bearer ${DS_KEY}` } });
    expect([broken.status, broken.json.code]).toEqual([500, 'InternalServerError']);
    dropping.fault({ on: 'upload', status: 503 }); // 'upload' covers the policy request too
    const policy = await call(`${dropping.url}/api/v1/uploads?action=getPolicy&model=wan2.1-vace-plus`, { headers: { authorization: `Bearer ${DS_KEY}` } });
    expect([policy.status, policy.json.code]).toEqual([503, 'InternalServerError']);
  });
});

describe('fake-providers CLI', () => {
  it('prints the environment to export, logs requests and stops on SIGINT', async () => {
    const cli = join(import.meta.dirname, 'support', 'fake-providers', 'cli.mjs');
    const child = spawn(process.execPath, [cli, '--wavespeed-port', '0', '--dashscope-port', '0', '--task-seconds', '0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const env = await until('the env lines', async () => (/DASHSCOPE_API_KEY=\S+/.test(out) ? out : undefined));
    const value = (name: string) => new RegExp(`export ${name}=(\\S+)`).exec(env)![1]!;
    expect(value('WAVESPEED_API_KEY')).toBe('fake-wavespeed-key');
    const r = await call(`${value('WAVESPEED_BASE_URL')}/api/v3/${WAVESPEED_MODEL}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${value('WAVESPEED_API_KEY')}`, 'content-type': 'application/json' },
      body: JSON.stringify(voidBody),
    });
    expect(r.status).toBe(200);
    await until('the log line', async () => (out.includes(`wavespeed POST /api/v3/${WAVESPEED_MODEL} → 200`) ? true : undefined));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
