import { openAsBlob, statSync } from 'node:fs';
import { basename } from 'node:path';
import { AccountError, NotSubmittedError, PermanentError, RateLimitedError } from '../types.js';
import { excerpt, NoAnswerError, readWithRetries, retryAfterMs, send, type HttpReply } from '../http.js';
import { contentType } from '../content-type.js';

export const WAVESPEED_BASE_URL = 'https://api.wavespeed.ai';

/** `data` of WaveSpeed's envelope `{code, message, data}` for a prediction (submit and result). */
export interface Prediction {
  id: string;
  model?: string;
  status: string;
  outputs?: string[];
  urls?: { get?: string };
  error?: string;
  created_at?: string;
  timings?: { inference?: number };
}

/** Statuses after which a prediction never changes; anything unknown is polled on (until the step's timeout). */
export const DONE = 'completed';
export const FAILED = new Set(['failed', 'cancelled', 'canceled', 'timeout']);

/** WaveSpeed keeps uploads 7 days (its upload docs); we count on one, to be safe. */
const UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface WaveSpeedOptions {
  baseUrl?: string;
  apiKey: string;
  signal?: AbortSignal;
  onRetry?(message: string): void;
}

/** The WaveSpeed v3 REST API as documented: submit, poll, upload. Knows nothing of recipes. */
export class WaveSpeedApi {
  readonly baseUrl: string;
  constructor(private readonly options: WaveSpeedOptions) {
    this.baseUrl = (options.baseUrl ?? WAVESPEED_BASE_URL).replace(/\/+$/, '');
  }

  private headers(json = true): Record<string, string> {
    return { authorization: `Bearer ${this.options.apiKey}`, ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  /**
   * `POST /api/v3/{model}` with the flat body. Never retried here: without an answer the task may exist,
   * and the engine decides. An answer that refuses is a {@link NotSubmittedError} or a permanent one.
   */
  async submit(model: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Prediction> {
    let reply: HttpReply;
    try {
      reply = await send(`${this.baseUrl}/api/v3/${model}`, { method: 'POST', headers: this.headers(), body: JSON.stringify(body), signal });
    } catch (error) {
      if (error instanceof NoAnswerError) throw new Error(`WaveSpeed did not answer the submit (${error.message}); the task may have been created`);
      throw error;
    }
    const data = this.data(reply, 'submit');
    if (!data || typeof data.id !== 'string' || !data.id) throw new Error(`WaveSpeed accepted the submit but sent no task id: ${excerpt(reply.text)}`);
    return data;
  }

  /** The prediction's state: at `data.urls.get` when the submit gave one, else the SDK's `/predictions/{id}/result`. */
  async result(id: string, getUrl: string | undefined, signal?: AbortSignal): Promise<Prediction> {
    const url = getUrl ?? `${this.baseUrl}/api/v3/predictions/${encodeURIComponent(id)}/result`;
    const reply = await readWithRetries(url, { headers: this.headers(false), signal, timeoutMs: 30_000 }, { signal, onRetry: this.options.onRetry });
    const data = this.data(reply, 'poll');
    if (!data || typeof data.status !== 'string') throw new Error(`WaveSpeed answered the poll of task ${id} without a status: ${excerpt(reply.text)}`);
    return data;
  }

  /**
   * Uploads a local file: the current ticket flow (`POST /api/v3/media/uploads`, then PUT to the URL it
   * returns); where that endpoint is missing, the documented binary endpoint. Returns the download URL.
   */
  async upload(file: string, signal?: AbortSignal): Promise<{ url: string; expiresAt: string }> {
    const size = statSync(file).size;
    const type = contentType(file);
    const ticket = await send(`${this.baseUrl}/api/v3/media/uploads`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ filename: basename(file), size, content_type: type }),
      signal,
    });
    let url: string;
    if (ticket.status === 404 || ticket.status === 405) {
      const form = new FormData();
      form.append('file', await openAsBlob(file, { type }), basename(file));
      const reply = await send(`${this.baseUrl}/api/v3/media/upload/binary`, { method: 'POST', headers: this.headers(false), body: form, signal, timeoutMs: 600_000 });
      url = this.uploadUrl(this.data(reply, 'upload'), reply);
    } else {
      const data = this.data(ticket, 'upload') as unknown as { download_url?: string; upload?: { method?: string; url?: string; headers?: Record<string, string> } };
      if (!data.upload?.url) throw new Error(`WaveSpeed's upload ticket has no upload URL: ${excerpt(ticket.text)}`);
      // The signed URL fixes its headers: send exactly those (whatever their case), the type only if they lack one.
      const headers = new Headers(data.upload.headers);
      if (!headers.has('content-type')) headers.set('content-type', type);
      const put = await send(data.upload.url, { method: data.upload.method ?? 'PUT', headers: Object.fromEntries(headers), body: await openAsBlob(file, { type }), signal, timeoutMs: 600_000 });
      if (put.status >= 300) throw new Error(`the upload of ${basename(file)} to WaveSpeed's storage failed: HTTP ${put.status} ${excerpt(put.text)}`);
      url = this.uploadUrl(data, ticket);
    }
    return { url, expiresAt: new Date(Date.now() + UPLOAD_LIFETIME_MS).toISOString() };
  }

  private uploadUrl(data: unknown, reply: HttpReply): string {
    const url = (data as { download_url?: string } | undefined)?.download_url;
    if (!url) throw new Error(`WaveSpeed's upload answer has no download_url: ${excerpt(reply.text)}`);
    return url;
  }

  /**
   * The `data` of a successful answer; every refusal becomes the error the engine acts on. WaveSpeed
   * puts an HTTP-like `code` in the body too, which can disagree with the status line: either one failing counts.
   */
  private data(reply: HttpReply, what: 'submit' | 'poll' | 'upload'): Prediction {
    const body = reply.json as { code?: number; message?: string; data?: Prediction } | undefined;
    const code = reply.status !== 200 ? reply.status : typeof body?.code === 'number' ? body.code : 200;
    if (code === 200 && body?.data) return body.data;
    const said = body?.message || (body?.data as { error?: string } | undefined)?.error || excerpt(reply.text);
    const label = `WaveSpeed refused the ${what} (HTTP ${code}: ${said})`;
    if (code === 401 || code === 403) throw new AccountError(`${label}: check WAVESPEED_API_KEY (a key is created in the WaveSpeed dashboard, after a top-up)`);
    if (code === 402 || /insufficient|balance|credit|top[- ]?up/i.test(said)) throw new AccountError(`${label}: the account's balance does not cover it; top up at wavespeed.ai`);
    if (code === 429) throw new RateLimitedError(label, retryAfterMs(reply.headers, 10_000));
    if (code >= 400 && code < 500) throw new PermanentError(`${label}; fix the step's parameters`);
    if (what !== 'submit') throw new Error(label);
    // A 500 or 503 is the server refusing; a gateway's 502 or 504 may hide a task the backend created.
    if (code === 500 || code === 503) throw new NotSubmittedError(label);
    throw new Error(`${label}; the task may have been created`);
  }
}
