import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeDashScope, startFakeWaveSpeed, type FakeProvider } from './fake-providers/index.mjs';

export interface FakePairOptions {
  wsKey: string;
  dsKey: string;
  concurrency: number;
  taskMs: number;
  /** Forget requests and faults before each test (default); off where one test reads what the last left. */
  resetEach?: boolean;
}

export interface FakePair {
  readonly ws: FakeProvider;
  readonly ds: FakeProvider;
  /** The environment that points the CLI at both fakes with their keys. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
}

/** Both fake providers for one test file: started before its tests, closed after them. */
export function useFakeProviders(options: FakePairOptions): FakePair {
  let ws: FakeProvider | undefined;
  let ds: FakeProvider | undefined;
  beforeAll(async () => {
    ws = await startFakeWaveSpeed({ apiKey: options.wsKey, concurrency: options.concurrency, taskMs: options.taskMs });
    ds = await startFakeDashScope({ apiKey: options.dsKey, concurrency: options.concurrency, taskMs: options.taskMs });
  }, 60_000);
  afterAll(async () => {
    await ws?.close();
    await ds?.close();
  });
  if (options.resetEach ?? true) {
    beforeEach(() => {
      ws?.reset();
      ds?.reset();
    });
  }
  const started = (fake: FakeProvider | undefined): FakeProvider => {
    if (!fake) throw new Error('the fake providers start in beforeAll: use them inside a hook or a test');
    return fake;
  };
  return {
    get ws() {
      return started(ws);
    },
    get ds() {
      return started(ds);
    },
    env: (extra = {}) => ({ WAVESPEED_BASE_URL: started(ws).url, DASHSCOPE_BASE_URL: started(ds).url, WAVESPEED_API_KEY: options.wsKey, DASHSCOPE_API_KEY: options.dsKey, ...extra }),
  };
}
