// @ts-check
// The server core both fakes share: routing, body parsing (JSON, multipart forms, raw bytes), the request
// log, latency, fault injection and dropped connections. Provider behaviour lives in wavespeed.mjs and
// dashscope.mjs; this file knows nothing of either wire format.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** @typedef {import('./index.d.mts').LoggedRequest} LoggedRequest */
/** @typedef {import('./index.d.mts').FaultRule} FaultRule */
/** @typedef {import('./index.d.mts').FaultKind} FaultKind */

/**
 * @typedef {object} Part
 * @property {string} name
 * @property {string | undefined} filename
 * @property {string | undefined} contentType
 * @property {Buffer} data
 */

/**
 * What a handler sees.
 * @typedef {object} Incoming
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string>} query
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {Buffer} raw
 * @property {unknown} json  parsed JSON body, or undefined when the body is not JSON
 * @property {Part[] | undefined} parts  multipart parts in order, when the body is a form
 * @property {Record<string, string>} params  route parameters
 */

/**
 * What a handler returns. `drop` destroys the socket without answering after the handler ran.
 * @typedef {object} Reply
 * @property {number} status
 * @property {Record<string, string | number>} [headers]
 * @property {unknown} [json]
 * @property {string | Buffer} [body]
 */

/**
 * @typedef {object} Route
 * @property {string} method
 * @property {RegExp} pattern  named groups become `params`
 * @property {FaultKind | undefined} kind  what fault rules with `on` target it
 * @property {(req: Incoming) => Reply | Promise<Reply>} handle
 */

/**
 * @typedef {object} CoreOptions
 * @property {string} name  used in messages
 * @property {number} [port]
 * @property {number} [latencyMs]
 * @property {(kind: FaultKind | undefined, status: number, quoted?: string) => Reply} faultReply  the provider's error answer for a fault without a body; `quoted` is the request, for faults that echo it
 * @property {(entry: LoggedRequest) => void} [onRequest]  called once per request when it is answered (or dropped)
 */

export const sha256 = (/** @type {Buffer} */ data) => createHash('sha256').update(data).digest('hex');

/**
 * Starts a server on 127.0.0.1 that answers through `routes`. Returns once it listens.
 * @param {CoreOptions} options
 * @param {(core: FakeCore) => Route[]} makeRoutes  gets the core first, so routes can read `core.url`
 */
export async function startCore(options, makeRoutes) {
  const core = new FakeCore(options);
  core.routes = makeRoutes(core);
  await core.listen(options.port ?? 0);
  return core;
}

export class FakeCore {
  /** @param {CoreOptions} options */
  constructor(options) {
    this.options = options;
    this.t0 = performance.now();
    /** @type {LoggedRequest[]} */
    this.requests = [];
    /** @type {(FaultRule & {left: number})[]} */
    this.faults = [];
    /** @type {Route[]} */
    this.routes = [];
    this.url = '';
    /** @type {Set<import('node:net').Socket>} */
    this.sockets = new Set();
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error) => {
        // A bug in a fake must be loud in the test that hit it, not a hang.
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${this.options.name} fake crashed: ${error instanceof Error ? error.stack : String(error)}`);
        }
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Milliseconds since the server started; the clock of the log, the tasks and the stats. */
  now() {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  /** @param {number} port */
  async listen(port) {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve(undefined));
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    this.url = `http://127.0.0.1:${address.port}`;
  }

  async close() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(() => resolve(undefined)));
  }

  /** @param {FaultRule} rule */
  addFault(rule) {
    this.faults.push({ ...rule, left: rule.times ?? 1 });
  }

  reset() {
    this.requests.length = 0;
    this.faults.length = 0;
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async serve(req, res) {
    const at = this.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const incoming = parseIncoming(req, url, raw);
    /** @type {LoggedRequest} */
    const entry = {
      at,
      method: incoming.method,
      path: incoming.path,
      query: incoming.query,
      headers: { ...flatHeaders(req.headers) },
      body: logBody(incoming),
      status: 0,
    };
    this.requests.push(entry);

    if (this.options.latencyMs) await sleep(this.options.latencyMs);

    const found = this.match(incoming.method, incoming.path);
    const route = found?.route;
    if (found) incoming.params = found.params;
    const fault = this.takeFault(route?.kind, entry);
    if (fault?.delayMs) await sleep(fault.delayMs);

    /** @type {Reply} */
    let reply;
    if (fault?.status !== undefined) {
      // A status fault answers in place of the provider: nothing is created, nothing stored.
      // Some gateways quote the request they refused, headers and all: a client must not print that as is.
      const quoted = fault.echoRequest ? quoteRequest(incoming) : undefined;
      reply = fault.body !== undefined ? { status: fault.status, json: fault.body } : this.options.faultReply(route?.kind, fault.status, quoted);
      if (fault.retryAfter !== undefined) reply.headers = { ...reply.headers, 'retry-after': String(fault.retryAfter) };
    } else if (!route) {
      reply = this.options.faultReply(undefined, 404);
    } else {
      reply = await route.handle(incoming);
    }

    if (fault?.drop) {
      // The handler ran (a submit created its task) but the client never hears back.
      entry.status = 0;
      entry.dropped = true;
      this.options.onRequest?.(entry);
      req.socket.destroy();
      return;
    }
    entry.status = reply.status;
    this.options.onRequest?.(entry);
    send(res, reply);
  }

  /**
   * @param {string} method
   * @param {string} path
   * @returns {{route: Route, params: Record<string, string>} | undefined}
   */
  match(method, path) {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method === method) return { route, params: { ...m.groups } };
    }
    return pathMatched ? { route: methodNotAllowed(method, path), params: {} } : undefined;
  }

  /**
   * @param {FaultKind | undefined} kind
   * @param {LoggedRequest} entry
   */
  takeFault(kind, entry) {
    const index = this.faults.findIndex((f) => f.left > 0 && (f.on === 'any' || kindMatches(f.on, kind)) && (!f.match || f.match(entry)));
    if (index < 0) return undefined;
    const fault = /** @type {FaultRule & {left: number}} */ (this.faults[index]);
    fault.left -= 1;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

// 'upload' covers every step of getting a file to the provider, so one rule works for either flow.
const UPLOAD_KINDS = new Set(['upload', 'policy', 'oss']);

/**
 * @param {FaultKind} on
 * @param {FaultKind | undefined} kind
 */
function kindMatches(on, kind) {
  if (kind === undefined) return false;
  return on === kind || (on === 'upload' && UPLOAD_KINDS.has(kind));
}

/**
 * @param {string} method
 * @param {string} path
 * @returns {Route}
 */
function methodNotAllowed(method, path) {
  return {
    method,
    pattern: /^$/,
    kind: undefined,
    handle: () => ({ status: 405, json: { code: 405, message: `${method} is not allowed on ${path}` } }),
  };
}

/** The request line and headers as a proxy's error page quotes them. @param {Incoming} req */
function quoteRequest(req) {
  const headers = Object.entries(flatHeaders(req.headers)).map(([name, value]) => `${name.replace(/(^|-)\w/g, (c) => c.toUpperCase())}: ${value}`);
  return [`${req.method} ${req.path} HTTP/1.1`, ...headers].join('\n');
}

/** @param {import('node:http').IncomingMessage} req */
async function readBody(req) {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of req) chunks.push(/** @type {Buffer} */ (chunk));
  return Buffer.concat(chunks);
}

/** @param {import('node:http').IncomingHttpHeaders} headers */
function flatHeaders(headers) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {URL} url
 * @param {Buffer} raw
 * @returns {Incoming}
 */
function parseIncoming(req, url, raw) {
  const type = req.headers['content-type'] ?? '';
  /** @type {unknown} */
  let json;
  /** @type {Part[] | undefined} */
  let parts;
  if (/^application\/json/i.test(type) && raw.length > 0) {
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      json = undefined;
    }
  } else if (/^multipart\/form-data/i.test(type)) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
    parts = boundary ? parseMultipart(raw, boundary[1] ?? boundary[2] ?? '') : [];
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    raw,
    json,
    parts,
    params: {},
  };
}

/** @param {Incoming} incoming */
function logBody(incoming) {
  if (incoming.parts) {
    /** @type {Record<string, string>} */
    const fields = {};
    /** @type {Record<string, {filename: string, size: number, sha256: string}>} */
    const files = {};
    for (const part of incoming.parts) {
      if (part.filename !== undefined) files[part.name] = { filename: part.filename, size: part.data.length, sha256: sha256(part.data) };
      else fields[part.name] = part.data.toString('utf8');
    }
    return { fields, files };
  }
  if (incoming.json !== undefined) return incoming.json;
  if (incoming.raw.length > 0) return { size: incoming.raw.length, sha256: sha256(incoming.raw) };
  return undefined;
}

/**
 * Splits a multipart/form-data body into its parts (RFC 7578), keeping file bytes as they came.
 * @param {Buffer} body
 * @param {string} boundary
 * @returns {Part[]}
 */
export function parseMultipart(body, boundary) {
  const delimiter = Buffer.from(`--${boundary}`);
  /** @type {Part[]} */
  const parts = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // The CRLF before the next delimiter belongs to the delimiter, not to the data.
    const chunk = body.subarray(start, next - 2);
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const head = chunk.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      const contentType = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1]?.trim();
      if (name !== undefined) parts.push({ name, filename, contentType, data: Buffer.from(chunk.subarray(headerEnd + 4)) });
    }
    pos = next;
  }
  return parts;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {Reply} reply
 */
function send(res, reply) {
  /** @type {Record<string, string | number>} */
  const headers = { ...reply.headers };
  /** @type {string | Buffer} */
  let body = '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json';
  } else if (reply.body !== undefined) {
    body = reply.body;
  }
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(reply.status, headers);
  res.end(body);
}

/** The bearer token of a request, or undefined. */
export function bearer(/** @type {Incoming} */ req) {
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(.+)$/.exec(header);
  return m?.[1]?.trim();
}

/** One request header as a string (repeated headers joined), or undefined. @param {Incoming} req @param {string} name */
export function header(req, name) {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
