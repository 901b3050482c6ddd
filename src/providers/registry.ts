import { localExecutors } from './local/index.js';
import type { ExecutorLookup } from './types.js';

/**
 * The executors this build has. Local glue steps and (when written) the local implementations of
 * remote models run on `local`; the provider clients plug in here for `wavespeed` and `dashscope`.
 */
export const defaultExecutors: ExecutorLookup = (modelId, backend) => (backend === 'local' ? localExecutors[modelId] : undefined);
