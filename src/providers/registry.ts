import { findModel } from '../models/catalog.js';
import { API_KEYS } from './api-keys.js';
import type { Backend } from '../models/types.js';
import { DashScopeApi } from './dashscope/api.js';
import { regionOf, vaceExecutor, type Region } from './dashscope/executor.js';
import { localExecutors } from './local/index.js';
import type { Executor, ExecutorLookup } from './types.js';
import { WaveSpeedApi } from './wavespeed/api.js';
import { waveSpeedExecutor } from './wavespeed/executor.js';

/** What the provider clients take from vidrecipe.config.yaml (the engine's backend limits fit this shape). */
export interface ProviderSettings {
  baseUrl?: string;
  /** Which setting chose `baseUrl`, named when the endpoint cannot be reached. */
  baseUrlFrom?: string;
  pollIntervalMs: number;
  region?: Region;
}


/** The local executors only: glue steps, and the local implementations of remote models. */
export const defaultExecutors: ExecutorLookup = (modelId, backend) => (backend === 'local' ? localExecutors[modelId] : undefined);

/**
 * Every executor this build has: local ones, and the provider clients for the backends whose API key is
 * set (a backend without a key has none, and the run refuses its steps before starting).
 */
export function createExecutors(settings: Record<'wavespeed' | 'dashscope', ProviderSettings>, env: Readonly<Record<string, string | undefined>> = process.env): ExecutorLookup {
  const made = new Map<string, Executor | undefined>();
  const make = (modelId: string, backend: Backend): Executor | undefined => {
    if (backend === 'local') return localExecutors[modelId];
    const model = findModel(modelId);
    const apiKey = env[API_KEYS[backend]];
    if (!model || model.provider !== backend || !apiKey) return undefined;
    const { baseUrl, baseUrlFrom, pollIntervalMs, region } = settings[backend];
    if (backend === 'wavespeed') return waveSpeedExecutor(model, new WaveSpeedApi({ baseUrl, apiKey, baseUrlFrom }), pollIntervalMs);
    const api = new DashScopeApi({ baseUrl, apiKey, baseUrlFrom });
    return vaceExecutor(model, api, region ?? regionOf(api.baseUrl), pollIntervalMs);
  };
  return (modelId, backend) => {
    const key = `${backend} ${modelId}`;
    if (!made.has(key)) made.set(key, make(modelId, backend));
    return made.get(key);
  };
}
