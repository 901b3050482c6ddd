import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AccountError, NotSubmittedError, PermanentError } from '../types.js';
import { excerpt, NoAnswerError, refusal, send, sendWithRetries, UNKNOWN_OUTCOME, type HttpReply } from '../http.js';
import { contentType } from '../content-type.js';
import { describeEndpoint, ENDPOINTS } from '../endpoints.js';

export const DASHSCOPE_BASE_URL = ENDPOINTS.dashscope.defaultUrl;

/** The request body of a video-synthesis task: each field in its documented half. */
export interface TaskBody {
  model: string;
  input: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

/** `output` of a task query. */
export interface TaskOutput {
  task_id: string;
  task_status: string;
  video_url?: string;
  /** The rewritten prompt, present only when `prompt_extend` was on. */
  actual_prompt?: string;
  code?: string;
  message?: string;
}

export interface TaskState {
  output: TaskOutput;
  usage?: { video_duration?: number };
}

/** Statuses: PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED (CANCELLED on some pages), UNKNOWN (no such task, or expired). */
export const SUCCEEDED = 'SUCCEEDED';
export const FAILED = new Set(['FAILED', 'CANCELED', 'CANCELLED']);
export const UNKNOWN = 'UNKNOWN';

/** Temporary `oss://` uploads expire after 48 h. */
const OSS_LIFETIME_MS = 48 * 60 * 60 * 1000;
const POLICY_FIELDS = ['upload_host', 'upload_dir', 'policy', 'signature', 'oss_access_key_id'] as const;

/** The DashScope async video-synthesis API as documented: create task, query task, temporary upload. */
export class DashScopeApi {
  readonly baseUrl: string;
  /** Named when the endpoint cannot be reached. */
  private readonly endpoint: string;
  /** `baseUrlFrom`: which setting chose the base URL (a config line, a variable), for messages. */
  constructor(private readonly options: { baseUrl?: string; apiKey: string; baseUrlFrom?: string }) {
    this.baseUrl = (options.baseUrl ?? DASHSCOPE_BASE_URL).replace(/\/+$/, '');
    this.endpoint = describeEndpoint('dashscope', options.baseUrl ? options.baseUrlFrom : undefined);
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.options.apiKey}` };
  }

  /**
   * `POST /api/v1/services/aigc/video-generation/video-synthesis`, asynchronous (the only mode HTTP
   * allows). `oss://` inputs need the resolve header. Never retried here: without an answer the task may exist.
   */
  async createTask(body: TaskBody, signal?: AbortSignal): Promise<string> {
    const headers: Record<string, string> = { ...this.auth(), 'content-type': 'application/json', 'x-dashscope-async': 'enable' };
    if (JSON.stringify(body).includes('"oss://')) headers['x-dashscope-ossresourceresolve'] = 'enable';
    let reply: HttpReply;
    try {
      reply = await send(`${this.baseUrl}/api/v1/services/aigc/video-generation/video-synthesis`, { method: 'POST', headers, body: JSON.stringify(body), signal, endpoint: this.endpoint });
    } catch (error) {
      if (!(error instanceof NoAnswerError)) throw error;
      if (!error.sent) throw new NotSubmittedError(`DashScope could not be reached (${error.message})`);
      throw new Error(`DashScope did not answer the task creation (${error.message}); the task may have been created: ${UNKNOWN_OUTCOME}`);
    }
    refuseUnlessOk(reply, 'task creation', body.model);
    const id = (reply.json as { output?: { task_id?: string } } | undefined)?.output?.task_id;
    if (!id) throw new Error(`DashScope accepted the task but sent no task_id (${excerpt(reply.text)}): ${UNKNOWN_OUTCOME}`);
    return id;
  }

  /** `GET /api/v1/tasks/{id}`, asked again on no answer, 429 and 5xx. */
  async task(id: string, signal?: AbortSignal): Promise<TaskState> {
    const reply = await sendWithRetries(`${this.baseUrl}/api/v1/tasks/${encodeURIComponent(id)}`, { headers: this.auth(), signal, timeoutMs: 30_000, endpoint: this.endpoint }, { signal });
    refuseUnlessOk(reply, `query of task ${id}`);
    const state = reply.json as TaskState | undefined;
    if (!state?.output?.task_status) throw new Error(`DashScope answered the query of task ${id} without a task_status (${excerpt(reply.text)}); run again to re-attach`);
    return state;
  }

  /**
   * The temporary upload: an upload policy for `model`, then a form POST to its OSS host. The file is
   * bound to that model and to this account, and lives 48 h; it is sent as `oss://{key}`.
   */
  async upload(file: string, model: string, signal?: AbortSignal): Promise<{ url: string; expiresAt: string }> {
    const name = basename(file);
    const policyReply = await sendWithRetries(`${this.baseUrl}/api/v1/uploads?action=getPolicy&model=${encodeURIComponent(model)}`, { headers: this.auth(), signal, endpoint: this.endpoint }, { signal });
    refuseUnlessOk(policyReply, 'upload policy request', model);
    const policy = (policyReply.json as { data?: Record<string, string> } | undefined)?.data ?? {};
    const missing = POLICY_FIELDS.filter((f) => !policy[f]);
    // The policy's fields are credentials of a kind: name what is missing, never print the body.
    if (missing.length) throw new Error(`DashScope's upload policy lacks ${missing.join(', ')}`);
    // A unique name: the policy forbids overwriting, and two files may share a name.
    const key = `${policy.upload_dir}/${randomBytes(6).toString('hex')}-${name}`;
    const form = new FormData();
    form.append('OSSAccessKeyId', policy.oss_access_key_id!);
    form.append('Signature', policy.signature!);
    form.append('policy', policy.policy!);
    form.append('x-oss-object-acl', policy.x_oss_object_acl ?? 'private');
    form.append('x-oss-forbid-overwrite', policy.x_oss_forbid_overwrite ?? 'true');
    form.append('key', key);
    form.append('success_action_status', '200');
    // OSS reads the fields before the file and ignores any after it: the file goes last.
    form.append('file', await openAsBlob(file, { type: contentType(file) }), name);
    const reply = await sendWithRetries(policy.upload_host!, { method: 'POST', body: form, signal, timeoutMs: 600_000 }, { signal });
    if (reply.status !== 200) throw new Error(`the upload of ${name} to DashScope's temporary storage failed: HTTP ${reply.status} ${excerpt(reply.text)}`);
    return { url: `oss://${key}`, expiresAt: new Date(Date.now() + OSS_LIFETIME_MS).toISOString() };
  }
}

/** Turns DashScope's error envelope `{code, message, request_id}` into the error the engine acts on. */
function refuseUnlessOk(reply: HttpReply, what: string, model?: string): void {
  if (reply.status === 200) return;
  const body = reply.json as { code?: string; message?: string; request_id?: string } | undefined;
  const code = body?.code ?? '';
  const said = `HTTP ${reply.status}${code ? ` ${code}` : ''}: ${body?.message ?? excerpt(reply.text)}${body?.request_id ? ` (request ${body.request_id})` : ''}`;
  const label = `DashScope refused the ${what} (${said})`;
  if (code === 'InvalidApiKey' || reply.status === 401) {
    throw new AccountError(`${label}: check DASHSCOPE_API_KEY; keys, model names and endpoints belong to one region (Singapore keys work with dashscope-intl.aliyuncs.com, Beijing keys with dashscope.aliyuncs.com)`);
  }
  if (code === 'Arrearage') throw new AccountError(`${label}: the Alibaba Cloud account has an overdue payment; settle it in the billing console`);
  if (code.startsWith('Throttling')) throw refusal(label, { ...reply, status: 429 }, { creates: false, retryAfterMs: 1000 });
  if (code === 'AccessDenied') throw new PermanentError(`${label}: activate ${model ?? 'the model'} for this account in Model Studio, or check the workspace's permissions`);
  if ((code === 'ModelNotFound' || /model not exist/i.test(body?.message ?? '')) && model) {
    throw new PermanentError(`${label}: ${model} is not served here; Singapore serves wan2.1-vace-plus, Beijing wanx2.1-vace-plus (set region in vidrecipe.config.yaml)`);
  }
  throw refusal(label, reply, { creates: what === 'task creation', retryAfterMs: 1000 });
}
