import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { NotSubmittedError, PermanentError, RateLimitedError } from './types.js';

/** One answer of a provider: the status, and the body as JSON when it is JSON. */
export interface HttpReply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | FormData | Uint8Array | Blob;
  /** Gives up on a request that hangs (a dropped connection the socket never reports). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Whose endpoint the URL is and which setting chose it (`WaveSpeed's endpoint, from WAVESPEED_BASE_URL in
   * the environment`), named when the host cannot be reached: the fix is usually that setting.
   */
  endpoint?: string;
}

/**
 * No answer came. `sent` says whether the request may have reached the provider: a refused connection or
 * an unknown host sent nothing; a reset, a dropped connection or a timeout leaves the outcome unknown.
 */
export class NoAnswerError extends Error {
  override name = 'NoAnswerError';
  constructor(
    message: string,
    readonly sent: boolean,
    /** The system's error code (`ECONNREFUSED` …), when there was one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Failures of fetch that happen before a byte leaves: nothing can have reached the provider. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_INVALID_URL', 'UND_ERR_INVALID_ARG']);

/**
 * The host cannot be reached at all: nothing listens there, the name does not exist, no route. Asking
 * again a second later rarely helps (unlike a reset or a timeout), and the cause is usually a setting.
 */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
};

/** Our code for a port fetch will not connect to (its error has none). */
const BAD_PORT = 'ERR_BAD_PORT';

/** Tries of a request whose host cannot be reached, against the many a transient failure gets. */
const UNREACHABLE_TRIES = 2;

/** Sends one request and reads the whole answer. Throws {@link NoAnswerError} only; any HTTP status is an answer. */
export async function send(url: string, options: RequestOptions = {}): Promise<HttpReply> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const method = options.method ?? 'GET';
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method, headers: options.headers, body: options.body, signal });
    text = await response.text();
  } catch (error) {
    // The run's own abort is not the provider's silence: let the caller see a cancellation.
    if (options.signal?.aborted) throw options.signal.reason;
    const code = (error as { cause?: { code?: string } }).cause?.code;
    const where = `${method} ${endpoint(url)}`;
    if (timeout.aborted) throw new NoAnswerError(`${where}: no answer within ${Math.round(timeoutMs / 1000)} s`, true);
    // fetch refuses ports browsers block (6000, 6667 …) before connecting: name the port, not the key.
    if (!code && (error as { cause?: { message?: string } }).cause?.message === 'bad port') {
      throw new NoAnswerError(`${where}: port ${new URL(url).port} is one fetch refuses to connect to${options.endpoint ? ` (${options.endpoint})` : ''}; use another port`, false, BAD_PORT);
    }
    // fetch's own TypeError (a header value it rejects) would quote the header, which may hold the key.
    if (!code) throw new NoAnswerError(`${where}: the request could not be made; check the API key and base URL for stray characters`, false);
    const unreachable = UNREACHABLE[code];
    if (unreachable) {
      const host = hostOf(url);
      const whose = options.endpoint ? ` (${options.endpoint})` : '';
      throw new NoAnswerError(`${where}: cannot connect to ${host}: ${unreachable}${whose}; check that it is up and the URL is right`, false, code);
    }
    throw new NoAnswerError(`${where}: ${code}`, !NOT_SENT.has(code), code);
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** An answer worth asking again for: throttled, or a server or gateway error. */
export function transient(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `Retry-After` in ms (seconds or an HTTP date), or `fallbackMs` when absent or unreadable. */
export function retryAfterMs(headers: Headers, fallbackMs: number): number {
  const value = headers.get('retry-after');
  if (!value) return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - Date.now());
}

/** A transient answer (429, 5xx) to a request that is safe to repeat, kept for the retry loop. */
export class TransientReply extends Error {
  override name = 'TransientReply';
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message);
  }
}

/** The host cannot be reached (refused, unknown, no route): worth a quick second try, not a minute of them. */
export function isUnreachable(error: unknown): error is NoAnswerError {
  return error instanceof NoAnswerError && error.code !== undefined && (error.code in UNREACHABLE || error.code === BAD_PORT);
}

/** A failure that asking again may cure: no answer, or a transient one. */
export function isTransient(error: unknown): error is NoAnswerError | TransientReply {
  return error instanceof NoAnswerError || error instanceof TransientReply;
}

export interface RetryOptions {
  signal?: AbortSignal;
  /** Retries after the first try; the SDKs use 5. */
  retries?: number;
  /** First back-off; grows ×2 up to 30 s. */
  minDelayMs?: number;
}

/**
 * Sends a request that is safe to repeat (a status poll, an upload), again on no answer, 429 and 5xx,
 * with exponential back-off; a 429's Retry-After is honoured. Any other answer is returned as is; when
 * the tries run out, the last {@link NoAnswerError} or {@link TransientReply} is thrown.
 */
export async function sendWithRetries(url: string, options: RequestOptions, retry: RetryOptions = {}): Promise<HttpReply> {
  const minDelay = retry.minDelayMs ?? 1000;
  return pRetry(
    async () => {
      const reply = await send(url, options);
      if (transient(reply.status)) {
        throw new TransientReply(`${options.method ?? 'GET'} ${endpoint(url)}: HTTP ${reply.status} ${excerpt(reply.text, 120)}`, reply.status === 429 ? retryAfterMs(reply.headers, minDelay) : 0);
      }
      return reply;
    },
    {
      retries: retry.retries ?? 5,
      minTimeout: minDelay,
      maxTimeout: 30_000,
      factor: 2,
      randomize: true,
      signal: retry.signal,
      shouldRetry: ({ error, attemptNumber }) => isTransient(error) && !(isUnreachable(error) && attemptNumber >= UNREACHABLE_TRIES),
      onFailedAttempt: async ({ error, retriesLeft }) => {
        // The server said how long to wait: wait that long on top of the back-off.
        if (error instanceof TransientReply && error.waitMs > 0 && retriesLeft > 0) await sleep(error.waitMs, undefined, { signal: retry.signal });
      },
    },
  );
}

/**
 * What a refusal the provider-specific codes did not explain means for the engine: a 429 paces the
 * backend, another 4xx will not pass on a retry, and for a task creation a 500 or 503 is a refusal (no
 * task) while a gateway's 502 or 504 may hide a task the backend created.
 */
export function refusal(label: string, reply: HttpReply, options: { creates: boolean; retryAfterMs: number }): Error {
  if (reply.status === 429) return new RateLimitedError(label, retryAfterMs(reply.headers, options.retryAfterMs));
  if (reply.status >= 400 && reply.status < 500) return new PermanentError(`${label}; fix the step's parameters`);
  if (!options.creates) return new Error(label);
  if (reply.status === 500 || reply.status === 503) return new NotSubmittedError(label);
  return new Error(`${label}; the task may have been created: ${UNKNOWN_OUTCOME}`);
}

/** What to do after a submit whose outcome is unknown. */
export const UNKNOWN_OUTCOME = "check the provider's task list; a run with --force STEP submits anew";

/** `host:port` of a URL, for messages. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the host';
  }
}

/** The origin and path of a URL, without a query that may be signed. */
export function endpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the provider';
  }
}

/** A short excerpt of an unexpected body, for messages. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat || '(empty body)';
}
