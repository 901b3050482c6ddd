import type { AnyModel } from '../../models/types.js';
import { pollUntil } from '../poll.js';
import { isPublic, mediaAsUrls, type MediaRoute } from '../remote-media.js';
import { TaskFailedError, type ExecResult, type RemoteExecutor } from '../types.js';
import { DONE, FAILED, type WaveSpeedApi } from './api.js';

/** WaveSpeed does not say how long output links live; a day is what we rely on for re-use. */
const OUTPUT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Runs any WaveSpeed model: its parameters travel as the flat JSON body under their documented names,
 * with media as URLs. The prediction's `urls.get` is kept for the poll of the same process; a run that
 * re-attaches later polls the SDK's result path.
 */
export function waveSpeedExecutor(model: AnyModel, api: WaveSpeedApi, pollIntervalMs: number): RemoteExecutor<Record<string, unknown>> {
  const getUrls = new Map<string, string>();
  const route: MediaRoute = { scope: 'wavespeed', usable: isPublic, upload: (file, signal) => api.upload(file, signal) };
  return {
    kind: 'remote',
    prepare: (ctx) => mediaAsUrls(model, ctx, route),
    async submit(ctx, body) {
      const prediction = await api.submit(model.id, body, ctx.signal);
      if (prediction.urls?.get) getUrls.set(prediction.id, prediction.urls.get);
      return { taskId: prediction.id };
    },
    wait(taskId, ctx) {
      let last = '';
      return pollUntil(
        () => api.result(taskId, getUrls.get(taskId), ctx.signal),
        (prediction): ExecResult | undefined => {
          if (prediction.status !== last) ctx.progress({ state: 'running', message: `WaveSpeed: ${prediction.status}` });
          last = prediction.status;
          if (FAILED.has(prediction.status)) throw new TaskFailedError(`WaveSpeed task ${taskId} ${prediction.status}: ${prediction.error || 'no reason given'}`);
          if (prediction.status !== DONE) return undefined;
          const url = prediction.outputs?.[0];
          if (!url) throw new TaskFailedError(`WaveSpeed task ${taskId} completed without an output`);
          getUrls.delete(taskId);
          return { outputs: { video: url }, remoteUrls: { video: { url, expiresAt: new Date(Date.now() + OUTPUT_LIFETIME_MS).toISOString() } } };
        },
        { intervalMs: pollIntervalMs, signal: ctx.signal, onOutage: (message) => ctx.progress({ state: 'running', message }) },
      );
    },
  };
}
