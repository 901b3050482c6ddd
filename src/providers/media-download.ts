import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import { isLoopbackHost } from './endpoints.js';
import { ALLOW_PRIVATE_ENV, type DownloadPolicy } from './download-policy.js';
import { isPrivateAddress } from './private-address.js';
import { PermanentError } from './types.js';

/** Redirects followed before giving up (browsers stop at 20, curl at 50; media links use one or two). */
const MAX_REDIRECTS = 10;

/** Bytes looked at to tell media from a web page or other text. */
const SNIFF_BYTES = 512;

/** Where the size limit is set, for messages. */
const SIZE_SETTING = 'downloads.max_size in vidrecipe.config.yaml';

/** A URL fit for messages: signed query strings (tokens, signatures) stay out of logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.search ? `${u.origin}${u.pathname}?…` : url;
  } catch {
    return url;
  }
}

/** `2 GiB`, `50 MB`, `812 bytes`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(bytes % size === 0 ? 0 : 1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** A host resolved to an address the policy refuses. */
class PrivateAddressError extends PermanentError {
  override name = 'PrivateAddressError';
}

/**
 * Opens a media URL for reading: redirects followed (to http(s) only, each hop checked), the status, size
 * and content checked, and a body stream that stops at the size limit or when the server goes quiet. Every
 * error names the URL (its query left out) and says what to do.
 */
export async function openMedia(url: string, policy: DownloadPolicy, signal?: AbortSignal): Promise<Readable> {
  const shown = redactUrl(url);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new PermanentError(`${shown} is not a URL`);
  }
  for (let hops = 0; ; hops++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      const where = hops ? `was redirected to ${redactUrl(current.href)}` : `is a ${current.protocol} URL`;
      throw new PermanentError(`download of ${shown} ${where}: only http(s) is downloaded${hops ? ', and only http(s) redirects are followed' : ''}`);
    }
    // After a redirect, messages name both the URL given and the one it led to.
    const named = hops ? `${shown}, redirected to ${redactUrl(current.href)},` : shown;
    const { req, res } = await get(current, policy, named, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      res.resume();
      req.destroy();
      if (hops >= MAX_REDIRECTS) throw new PermanentError(`download of ${shown} was redirected more than ${MAX_REDIRECTS} times; give the final URL`);
      current = new URL(location, current);
      continue;
    }
    if (status !== 200) {
      res.resume();
      req.destroy();
      throw new Error(`download of ${named} failed: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd());
    }
    const type = res.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > policy.maxBytes) {
      res.resume();
      req.destroy();
      throw new PermanentError(`download of ${named} is ${formatSize(length)}, more than the ${formatSize(policy.maxBytes)} allowed (${SIZE_SETTING})`);
    }
    const declared = textKind(type);
    return body(req, res, policy, named, declared && `${declared} (${type})`);
  }
}

/**
 * Why a URL would be refused before any connection: a loopback or private address written out (an IP,
 * `localhost`). Undefined when only connecting can tell (a name resolves where it resolves), so `plan`
 * can name what `run` would refuse without downloading anything.
 */
export function refusedUrl(url: string, policy: DownloadPolicy): PermanentError | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (policy.allowPrivate || policy.trustedOrigins.includes(parsed.origin)) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return writtenPrivate(host) ? privateRefusal(redactUrl(url), host) : undefined;
}

/** An IP in a private range, or a name that is loopback by definition (`localhost`). */
function writtenPrivate(host: string): boolean {
  return isIP(host) ? isPrivateAddress(host) : isLoopbackHost(host);
}

/** One GET, answered (any status) or failed with a message naming the URL. */
function get(url: URL, policy: DownloadPolicy, shown: string, signal?: AbortSignal): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  const guarded = !policy.allowPrivate && !policy.trustedOrigins.includes(url.origin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (guarded && writtenPrivate(host)) return Promise.reject(privateRefusal(shown, host));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'GET',
      headers: { 'user-agent': 'vidrecipe', accept: '*/*' },
      // The socket's idle timeout: connecting, waiting for the answer, and between chunks of the body.
      timeout: policy.timeoutMs,
      signal,
      // Checked when connecting, on the address actually used: a name cannot resolve to a public
      // address for a check and a private one for the connection.
      lookup: guarded ? guardedLookup(shown) : undefined,
    });
    req.on('timeout', () => {
      const error = new Error(`download of ${shown}: nothing received for ${Math.round(policy.timeoutMs / 1000)} s (downloads.timeout in vidrecipe.config.yaml); stopped`);
      timeouts.set(req, error);
      req.destroy(error);
    });
    req.on('error', (error) => reject(describe(error, shown, signal)));
    req.on('response', (res) => resolve({ req, res }));
    req.end();
  });
}

/** Why a request was destroyed for going quiet: whichever of its streams reports first, this is the reason. */
const timeouts = new WeakMap<ClientRequest, Error>();

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for the connection that refuses a name resolving to any private address; `resolve` is the system's. */
export function guardedLookup(shown: string, resolve: typeof dnsLookup = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const blocked = addresses.find((a) => isPrivateAddress(a.address));
      if (blocked) return callback(privateRefusal(shown, `${hostname} (${blocked.address})`), '');
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function privateRefusal(shown: string, host: string): PermanentError {
  return new PrivateAddressError(
    `download of ${shown} refused: ${host} is a loopback or private address, which a recipe may not reach by default (it could read services inside this network); set ${ALLOW_PRIVATE_ENV}=1 in the environment to allow it`,
  );
}

/**
 * The body as a stream that ends in an error naming the URL when it is too big, silent, or not media
 * (`declared`: the text type the server gave it, refused unless the bytes carry a media signature).
 */
function body(req: ClientRequest, res: IncomingMessage, policy: DownloadPolicy, shown: string, declared: string | undefined): Readable {
  let bytes = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  const out = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > policy.maxBytes) return done(new PermanentError(`download of ${shown} sent more than the ${formatSize(policy.maxBytes)} allowed (${SIZE_SETTING}); stopped`));
      if (!head) return done(null, chunk);
      // Held back until there is enough to tell what it is, so nothing of a web page reaches the store.
      head = Buffer.concat([head, chunk]);
      if (head.length < SNIFF_BYTES) return done();
      const seen = head;
      head = undefined;
      done(notMedia(seen, shown, declared), seen);
    },
    flush(done) {
      if (bytes === 0) return done(new PermanentError(`download of ${shown} is empty`));
      if (head) {
        const seen = head;
        head = undefined;
        const problem = notMedia(seen, shown, declared);
        if (problem) return done(problem);
        this.push(seen);
      }
      done();
    },
  });
  // The socket's timeout may fire between chunks; the request and the response then both fail, in either order.
  const fail = (error: Error) => out.destroy(timeouts.get(req) ?? describe(error, shown));
  res.on('error', fail);
  req.on('error', fail);
  res.on('close', () => {
    if (!res.complete && !out.destroyed) fail(new Error(`download of ${shown} was cut off after ${bytes} bytes`));
  });
  out.on('close', () => {
    if (!res.complete) req.destroy();
  });
  res.pipe(out);
  return out;
}

/** A web page or text where media was expected, as an error naming the URL; undefined for anything else. */
function notMedia(head: Buffer, shown: string, declared: string | undefined): PermanentError | undefined {
  // A media signature wins over a mislabelled type (servers send MP4 as text/plain now and then).
  if (MEDIA_MAGIC.some(([at, magic]) => head.toString('latin1', at, at + magic.length) === magic)) return undefined;
  const kind = declared ?? sniff(head);
  if (!kind) return undefined;
  const share = kind.startsWith('a web page') ? ' (for a share page, its direct-download link)' : '';
  return new PermanentError(`download of ${shown} is ${kind}, not a media file: give the URL of the file itself${share}`);
}

/** What a declared content type says the body is, when it is text of some kind. */
function textKind(type: string | undefined): string | undefined {
  if (!type) return undefined;
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'a web page';
  if (type === 'application/json' || type.endsWith('+json')) return 'JSON';
  if (type.startsWith('text/') || type === 'application/xml') return 'text';
  return undefined;
}

/** Signatures of media containers and image formats that start with printable bytes. */
const MEDIA_MAGIC: readonly (readonly [number, string])[] = [
  [4, 'ftyp'], // MP4, MOV, 3GP
  [0, 'RIFF'], // AVI, WebP, WAV
  [0, 'GIF8'],
  [0, 'YUV4MPEG2'],
  [0, 'FLV'],
  [0, 'OggS'],
  [0, 'BM'],
  [0, 'II*\0'],
  [0, 'MM\0*'],
];

/** `a web page (HTML)`, `JSON`, `text` for a body without a media signature that is not media; undefined when it may be. */
function sniff(head: Buffer): string | undefined {
  const start = head.toString('utf8', 0, Math.min(head.length, 64)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (/^<(!doctype html|html|head|body|!--)/.test(start)) return 'a web page (HTML)';
  if (start.startsWith('<')) return 'XML or HTML';
  if (start.startsWith('{') || start.startsWith('[')) return 'JSON';
  // Media headers carry binary fields (sizes, flags) within their first bytes; text has none of those controls.
  const text = head.every((b) => b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c || b === 0x1b);
  return text ? 'text' : undefined;
}

/** A network error, with the URL and in words; the run's own abort passes through as it is. */
function describe(error: Error, shown: string, signal?: AbortSignal): Error {
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : error;
  if (error.message.startsWith('download of ') || error instanceof PermanentError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'no such host',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    EAI_AGAIN: 'the host name could not be looked up (DNS)',
  };
  const what = (code && words[code]) ?? error.message;
  return new Error(`download of ${shown} failed: ${what}`);
}
