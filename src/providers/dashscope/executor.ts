import { fieldInfo } from '../../models/param.js';
import { roundUsd } from '../../models/price.js';
import type { AnyModel } from '../../models/types.js';
import { pollUntil } from '../poll.js';
import { isPublic, mediaAsUrls, type MediaRoute } from '../remote-media.js';
import { TaskFailedError, type ExecResult, type KnownUrl, type RemoteExecutor } from '../types.js';
import { FAILED, SUCCEEDED, UNKNOWN, type DashScopeApi, type TaskBody } from './api.js';

export type Region = 'singapore' | 'beijing';

/** The model name and price per output second differ by region (Model Studio's pricing table). */
export const VACE_REGIONS: Readonly<Record<Region, { model: string; usdPerSecond: number }>> = {
  singapore: { model: 'wan2.1-vace-plus', usdPerSecond: 0.1 },
  beijing: { model: 'wanx2.1-vace-plus', usdPerSecond: 0.100347 },
};

/** How long a task may stay UNKNOWN before it is taken as gone. */
const UNKNOWN_GRACE_MS = 60_000;

/** Output URLs and task ids live 24 h. */
const OUTPUT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Beijing endpoints are `dashscope.aliyuncs.com` and `*.cn-beijing.maas.aliyuncs.com`; everything else is taken as Singapore. */
export function regionOf(baseUrl: string): Region {
  const host = new URL(baseUrl).hostname;
  return host === 'dashscope.aliyuncs.com' || host.endsWith('.cn-beijing.maas.aliyuncs.com') ? 'beijing' : 'singapore';
}

/**
 * One `input.function` of wan2.1-vace-plus. The function is the last segment of the catalog id; each
 * parameter travels in the half its model file marks (`x-half`), media as public URLs or `oss://`
 * uploads bound to this region's model name.
 */
export function vaceExecutor(model: AnyModel, api: DashScopeApi, region: Region, pollIntervalMs: number): RemoteExecutor<TaskBody> {
  const { model: modelName, usdPerSecond } = VACE_REGIONS[region];
  const scope = `dashscope ${modelName}`;
  const route: MediaRoute = {
    scope,
    usable: (url: KnownUrl) => isPublic(url) || url.scope === scope,
    upload: async (file, signal) => ({ ...(await api.upload(file, modelName, signal)), scope }),
  };
  return {
    kind: 'remote',
    prepare: async (ctx) => taskBody(model, modelName, await mediaAsUrls(model, ctx, route)),
    async submit(ctx, body) {
      return { taskId: await api.createTask(body, ctx.signal) };
    },
    wait(taskId, ctx) {
      let last = '';
      let unknownSince: number | undefined;
      return pollUntil(
        () => api.task(taskId, ctx.signal),
        ({ output, usage }): ExecResult | undefined => {
          if (output.task_status !== last) ctx.progress({ state: 'running', message: `DashScope: ${output.task_status}` });
          last = output.task_status;
          // UNKNOWN is "no such task, or expired": believed only when it lasts, not from one answer
          // right after a submit while the task may not be registered everywhere yet.
          unknownSince = output.task_status === UNKNOWN ? (unknownSince ?? Date.now()) : undefined;
          if (unknownSince !== undefined && Date.now() - unknownSince >= UNKNOWN_GRACE_MS) {
            throw new TaskFailedError(`DashScope does not know task ${taskId} (task ids are kept 24 h); the task is given up, and the step's next attempt or run submits anew`);
          }
          if (FAILED.has(output.task_status)) {
            throw new TaskFailedError(`DashScope task ${taskId} ${output.task_status}${output.code ? ` (${output.code})` : ''}: ${output.message ?? 'no reason given'}`);
          }
          if (output.task_status !== SUCCEEDED) return undefined;
          if (!output.video_url) throw new TaskFailedError(`DashScope task ${taskId} succeeded without a video_url`);
          const seconds = usage?.video_duration;
          return {
            outputs: { video: output.video_url },
            costUsd: typeof seconds === 'number' ? roundUsd(seconds * usdPerSecond) : undefined,
            remoteUrls: { video: { url: output.video_url, expiresAt: new Date(Date.now() + OUTPUT_LIFETIME_MS).toISOString() } },
            ...(typeof output.actual_prompt === 'string' && output.actual_prompt ? { actualPrompt: output.actual_prompt } : {}),
          };
        },
        { intervalMs: pollIntervalMs, signal: ctx.signal, onOutage: (message) => ctx.progress({ state: 'running', message }) },
      );
    },
  };
}

/** `{model, input: {function, …}, parameters: {…}}`, each field where the model file says it travels. */
export function taskBody(model: AnyModel, modelName: string, params: Record<string, unknown>): TaskBody {
  const input: Record<string, unknown> = { function: model.id.slice(model.id.lastIndexOf('/') + 1) };
  const parameters: Record<string, unknown> = {};
  const fields = fieldInfo(model.params);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    (fields.get(name)?.half === 'input' ? input : parameters)[name] = value;
  }
  return { model: modelName, input, parameters };
}
