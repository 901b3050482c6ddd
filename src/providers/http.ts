import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';

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
}

/**
 * No answer came: the connection failed, dropped or timed out. For a request that creates a task the
 * outcome is unknown (it may have reached the provider), so it is never replayed blindly.
 */
export class NoAnswerError extends Error {
  override name = 'NoAnswerError';
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Sends one request and reads the whole answer. Throws {@link NoAnswerError} only; any HTTP status is an answer. */
export async function send(url: string, options: RequestOptions = {}): Promise<HttpReply> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: options.method ?? 'GET', headers: options.headers, body: options.body, signal });
    text = await response.text();
  } catch (error) {
    // The run's own abort is not the provider's silence: let the caller see a cancellation.
    if (options.signal?.aborted) throw options.signal.reason;
    const cause = error as Error & { cause?: { code?: string; message?: string } };
    const why = timeout.aborted ? `no answer within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s` : (cause.cause?.code ?? cause.cause?.message ?? cause.message);
    throw new NoAnswerError(`${options.method ?? 'GET'} ${hostOf(url)}: ${why}`);
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

/** A transient answer to a read-only request, kept for the retry loop. */
export class TransientReply extends Error {
  override name = 'TransientReply';
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message);
  }
}

export interface ReadRetryOptions {
  signal?: AbortSignal;
  /** Retries after the first try; the SDKs use 5. */
  retries?: number;
  /** First back-off; grows ×2 up to 30 s. */
  minDelayMs?: number;
  onRetry?(message: string): void;
}

/**
 * Sends a request that changes nothing (a status poll, a download), again on no answer, 429 and 5xx,
 * with exponential back-off; a 429's Retry-After is honoured. Any other answer is returned as is.
 */
export async function readWithRetries(url: string, options: RequestOptions, retry: ReadRetryOptions = {}): Promise<HttpReply> {
  const minDelay = retry.minDelayMs ?? 1000;
  return pRetry(
    async () => {
      const reply = await send(url, options);
      if (transient(reply.status)) throw new TransientReply(`HTTP ${reply.status}`, reply.status === 429 ? retryAfterMs(reply.headers, minDelay) : 0);
      return reply;
    },
    {
      retries: retry.retries ?? 5,
      minTimeout: minDelay,
      maxTimeout: 30_000,
      factor: 2,
      randomize: true,
      signal: retry.signal,
      shouldRetry: ({ error }) => error instanceof NoAnswerError || error instanceof TransientReply,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        if (!(error instanceof NoAnswerError || error instanceof TransientReply) || retriesLeft === 0) return;
        retry.onRetry?.(`${error.message}; asking again (${retriesLeft} tries left)`);
        // The server said how long to wait: wait that long on top of the back-off.
        if (error instanceof TransientReply && error.waitMs > 0) await sleep(error.waitMs, undefined, { signal: retry.signal });
      },
    },
  );
}

function hostOf(url: string): string {
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
