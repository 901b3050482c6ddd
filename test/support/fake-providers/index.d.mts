/**
 * Types of the fake WaveSpeed and DashScope servers (test/support/fake-providers/*.mjs), so TypeScript
 * tests can import the plain-JavaScript servers with full types.
 */

/** Which requests a fault rule targets. `upload` covers every upload step (WaveSpeed ticket, PUT and binary; DashScope policy and OSS POST). */
export type FaultKind = 'submit' | 'poll' | 'upload' | 'download' | 'policy' | 'oss' | 'any';

export interface FaultRule {
  on: FaultKind;
  /** Answer with this status instead of the provider (nothing is created or stored). */
  status?: number;
  /** Adds a `Retry-After: <seconds>` header to the status answer. */
  retryAfter?: number;
  /** The JSON body of the status answer; the provider's own error envelope when omitted. */
  body?: unknown;
  /** The status answer's message quotes the request line and every header as sent (`Authorization: Bearer …` included), as some gateways do. */
  echoRequest?: boolean;
  /** Destroy the socket without answering, after the request was handled (a submit has created its task). */
  drop?: boolean;
  /** Wait this long before answering (or dropping). */
  delayMs?: number;
  /** How many matching requests the rule hits; default 1. */
  times?: number;
  /** Further narrows the requests hit. */
  match?: (req: LoggedRequest) => boolean;
}

export interface LoggedRequest {
  /** Milliseconds since the server started. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names, values as sent (authorization included, so tests can assert it). */
  headers: Record<string, string>;
  /** Parsed JSON; `{fields, files}` for a multipart form; `{size, sha256}` for other bytes; undefined when empty. */
  body: unknown;
  /** The response status; 0 while unanswered or when dropped. */
  status: number;
  dropped?: boolean;
}

export interface MultipartLog {
  fields: Record<string, string>;
  files: Record<string, { filename: string; size: number; sha256: string }>;
}

export interface MediaRecord {
  url: string;
  size: number;
  sha256: string;
}

export interface FakeTask {
  id: string;
  model: string;
  /** The submit body as parsed. */
  body: unknown;
  /** The provider's own word: created/processing/completed/failed, or PENDING/RUNNING/SUCCEEDED/FAILED. */
  status: string;
  submittedAt: number;
  /** Wall-clock time of the submission, ISO 8601. */
  createdAt: string;
  startedAt?: number;
  finishedAt?: number;
  /** The output URL once done. */
  output?: string;
  /** Why it failed: WaveSpeed's numeric code or DashScope's string code, and the message. */
  error?: { code: string | number; message: string };
  /** Output seconds the provider bills (DashScope `usage.video_duration`). */
  durationS?: number;
  /** Input media the task read, by field (`ref_images_url[0]` for list items); only the ones the fake could read. */
  media: Record<string, MediaRecord>;
}

export interface FakeUpload {
  /** The URL to pass to a task: WaveSpeed `download_url`, or DashScope `oss://key`. */
  url: string;
  filename: string;
  size: number;
  sha256: string;
  via: 'ticket' | 'binary' | 'oss';
  /** DashScope: the model the upload policy was issued for. */
  model?: string;
}

export interface FakeStats {
  /** Most tasks processing at once. */
  maxInFlight: number;
  /** Times (ms since start) of accepted submissions. */
  submits: number[];
  /** Most accepted submissions in any window of `ms`. */
  maxSubmitsIn(ms: number): number;
}

export interface FakeOptions {
  /** The Bearer key the fake accepts; anything else is refused with 401. */
  apiKey: string;
  /** 0 (default) = any free port; always on 127.0.0.1. */
  port?: number;
  /** Tasks processing at once; more wait queued. Default 2. */
  concurrency?: number;
  /** Processing time of each task once it starts. Default 300. */
  taskMs?: number;
  /** Added to every response. Default 0. */
  latencyMs?: number;
  /** Accepted submissions allowed in any sliding window of `perMs`; beyond it, 429 with Retry-After. */
  rate?: { count: number; perMs: number };
  /** WaveSpeed: false makes POST /api/v3/media/uploads answer 404 (use /api/v3/media/upload/binary). Default true. */
  ticketUpload?: boolean;
  /** DashScope: 'intl' accepts wan2.1-vace-plus, 'cn' wanx2.1-vace-plus. Default 'intl'. */
  region?: 'intl' | 'cn';
  /** 'unpaid': WaveSpeed submit → 402, DashScope submit → 403 Arrearage. Default 'ok'. */
  account?: 'ok' | 'unpaid';
  /** WaveSpeed: where `urls.get` points: /predictions/{id}/result ('result', default) or /predictions/{id}. Both work. */
  pollPath?: 'result' | 'prediction';
  /** Probability in [0, 1] that a task fails on its own. Default 0. */
  failRate?: number;
  /** DashScope: output URLs stop working this long after the task ends (403 "Request has expired"). Default 24 h. */
  outputTtlMs?: number;
  /** Largest upload accepted. Default: WaveSpeed 100 MB, DashScope 100 MB (the policy's max_file_size_mb). */
  maxUploadBytes?: number;
  /** DashScope: largest input video a task accepts (the docs' 50 MB). */
  maxVideoBytes?: number;
  /** Called once per request when it is answered or dropped (the CLI logs with it). */
  onRequest?: (req: LoggedRequest) => void;
}

export interface FakeProvider {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  readonly requests: LoggedRequest[];
  readonly tasks: Map<string, FakeTask>;
  readonly uploads: FakeUpload[];
  stats(): FakeStats;
  fault(rule: FaultRule): void;
  /** The next `n` tasks to finish end failed with `message` (default n = 1). */
  failNext(message?: string, n?: number): void;
  /** Clears the request log and the faults, not the tasks or uploads. */
  reset(): void;
  close(): Promise<void>;
}

export function startFakeWaveSpeed(options: FakeOptions): Promise<FakeProvider>;
export function startFakeDashScope(options: FakeOptions): Promise<FakeProvider>;

/** The generated 64×64, 1 s, 16 fps MP4 the fakes return when a task has no input video they can read. */
export function generatedMp4(): Promise<Buffer>;
/** The duration an MP4 declares in its movie header, or undefined when the bytes are not an MP4. */
export function mp4Duration(data: Buffer): number | undefined;

export const WAVESPEED_MODEL: string;
export const DASHSCOPE_MODELS: { readonly intl: string; readonly cn: string };
export const DASHSCOPE_SUBMIT_PATH: string;
