import { openAsBlob, statSync } from 'node:fs';
import { basename } from 'node:path';
import { AccountError, NotSubmittedError } from '../types.js';
import { excerpt, NoAnswerError, refusal, send, sendWithRetries, UNKNOWN_OUTCOME, type HttpReply } from '../http.js';
import { contentType } from '../content-type.js';
import { describeEndpoint, ENDPOINTS } from '../endpoints.js';

export const WAVESPEED_BASE_URL = ENDPOINTS.wavespeed.defaultUrl;

/** `data` of WaveSpeed's envelope `{code, message, data}` for a prediction (submit and result). */
export interface Prediction {
  id: string;
  model?: string;
  status: string;
  outputs?: string[];
  urls?: { get?: string };
  error?: string;
  created_at?: string;
}

/** Statuses after which a prediction never changes; anything unknown is polled on (until the step's timeout). */
export const DONE = 'completed';
export const FAILED = new Set(['failed', 'cancelled', 'canceled', 'timeout']);

/** WaveSpeed keeps uploads 7 days (its upload docs); we count on one, to be safe. */
const UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;
const UPLOAD_TIMEOUT_MS = 600_000;

/** The WaveSpeed v3 REST API as documented: submit, poll, upload. Knows nothing of recipes. */
export class WaveSpeedApi {
  readonly baseUrl: string;
  /** Named when the endpoint cannot be reached. */
  private readonly endpoint: string;
  /** `baseUrlFrom`: which setting chose the base URL (a config line, a variable), for messages. */
  constructor(private readonly options: { baseUrl?: string; apiKey: string; baseUrlFrom?: string }) {
    this.baseUrl = (options.baseUrl ?? WAVESPEED_BASE_URL).replace(/\/+$/, '');
    this.endpoint = describeEndpoint('wavespeed', options.baseUrl ? options.baseUrlFrom : undefined);
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
      reply = await send(`${this.baseUrl}/api/v3/${model}`, { method: 'POST', headers: this.headers(), body: JSON.stringify(body), signal, endpoint: this.endpoint });
    } catch (error) {
      if (!(error instanceof NoAnswerError)) throw error;
      if (!error.sent) throw new NotSubmittedError(`WaveSpeed could not be reached (${error.message})`);
      throw new Error(`WaveSpeed did not answer the submit (${error.message}); the task may have been created: ${UNKNOWN_OUTCOME}`);
    }
    const data = this.data(reply, 'submit');
    if (typeof data.id !== 'string' || !data.id) throw new Error(`WaveSpeed accepted the submit but sent no task id (${excerpt(reply.text)}): ${UNKNOWN_OUTCOME}`);
    return data;
  }

  /**
   * The prediction's state: at `data.urls.get` when the submit gave one on our own origin, else the SDK's
   * `/predictions/{id}/result`. The key is never sent to another host, whatever a response names.
   */
  async result(id: string, getUrl: string | undefined, signal?: AbortSignal): Promise<Prediction> {
    const own = getUrl && sameOrigin(getUrl, this.baseUrl) ? getUrl : `${this.baseUrl}/api/v3/predictions/${encodeURIComponent(id)}/result`;
    const reply = await sendWithRetries(own, { headers: this.headers(false), signal, timeoutMs: 30_000, endpoint: this.endpoint }, { signal });
    const data = this.data(reply, 'poll');
    if (typeof data.status !== 'string') throw new Error(`WaveSpeed answered the poll of task ${id} without a status (${excerpt(reply.text)}); run again to re-attach`);
    return data;
  }

  /**
   * Uploads a local file: the current ticket flow (`POST /api/v3/media/uploads`, then PUT to the URL it
   * returns); where that endpoint does not exist, the documented binary endpoint. Each request is asked
   * again on no answer, 429 and 5xx (a repeated upload costs nothing). Returns the download URL.
   */
  async upload(file: string, signal?: AbortSignal): Promise<{ url: string; expiresAt: string }> {
    const type = contentType(file);
    const name = basename(file);
    const ticket = await sendWithRetries(
      `${this.baseUrl}/api/v3/media/uploads`,
      { method: 'POST', headers: this.headers(), body: JSON.stringify({ filename: name, size: statSync(file).size, content_type: type }), signal, endpoint: this.endpoint },
      { signal },
    );
    let url: string | undefined;
    if (ticket.status === 404 || ticket.status === 405 || ticket.status === 501) {
      const form = new FormData();
      form.append('file', await openAsBlob(file, { type }), name);
      const reply = await sendWithRetries(`${this.baseUrl}/api/v3/media/upload/binary`, { method: 'POST', headers: this.headers(false), body: form, signal, timeoutMs: UPLOAD_TIMEOUT_MS, endpoint: this.endpoint }, { signal });
      url = (this.data(reply, 'upload') as { download_url?: string }).download_url;
    } else {
      const data = this.data(ticket, 'upload') as { download_url?: string; upload?: { method?: string; url?: string; headers?: Record<string, string> } };
      if (!data.upload?.url) throw new Error(`WaveSpeed's upload ticket for ${name} has no upload.url`);
      // The signed URL fixes its headers: send exactly those (whatever their case), the type only if they lack one.
      const headers = new Headers(data.upload.headers);
      if (!headers.has('content-type')) headers.set('content-type', type);
      const put = await sendWithRetries(
        data.upload.url,
        { method: data.upload.method ?? 'PUT', headers: Object.fromEntries(headers), body: await openAsBlob(file, { type }), signal, timeoutMs: UPLOAD_TIMEOUT_MS },
        { signal },
      );
      if (put.status >= 300) throw new Error(`the upload of ${name} to WaveSpeed's storage failed: HTTP ${put.status} ${excerpt(put.text)}`);
      url = data.download_url;
    }
    if (!url) throw new Error(`WaveSpeed's answer to the upload of ${name} has no download_url`);
    return { url, expiresAt: new Date(Date.now() + UPLOAD_LIFETIME_MS).toISOString() };
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
    if (code === 402 || (code < 500 && /insufficient (balance|credit|fund)/i.test(said))) throw new AccountError(`${label}: the account's balance does not cover it; top up at wavespeed.ai`);
    if (what === 'poll' && code === 404) throw new Error(`${label}: WaveSpeed does not know this task here; check the base URL, then run again to re-attach`);
    throw refusal(label, { ...reply, status: code }, { creates: what === 'submit', retryAfterMs: 10_000 });
  }
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
