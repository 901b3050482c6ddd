import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { EngineConfig } from '../engine/config.js';
import type { Fleet } from '../engine/fleet/settings.js';
import { BACKENDS, type Backend } from '../models/types.js';
import { API_KEYS } from '../providers/api-keys.js';
import { createExecutors } from '../providers/registry.js';
import { parseDuration } from '../recipe/duration.js';
import { readConfig, withConfigSource } from './config-file.js';
import { EXIT, UsageError } from './exit.js';
import { connectServices } from './fleet.js';
import { formatText } from './format/diagnostics.js';

export interface WorkerCommandOptions {
  backends?: string;
  concurrency?: string;
  lease: string;
  stateDir: string;
  config?: string;
}

/** `vidrecipe worker`: runs steps from the fleet's queues until SIGTERM (finish) or a second signal (hand back). */
export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const loaded = readConfig(options);
  if (loaded.diagnostics.length) {
    process.stderr.write(formatText(loaded.diagnostics, withConfigSource(new Map(), loaded)));
    if (loaded.diagnostics.some((d) => d.severity === 'error')) return EXIT.invalid;
  }
  const config = loaded.config;
  if (!config.fleet) throw new UsageError(`vidrecipe worker takes steps from a shared queue: set queue, records and cache in ${loaded.file ?? 'vidrecipe.config.yaml'} (or VIDRECIPE_QUEUE, VIDRECIPE_RECORDS and VIDRECIPE_CACHE); see docs/running.md, "Running on many machines"`);
  const backends = chooseBackends(options.backends);
  const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 1000)) throw new UsageError(`--concurrency ${options.concurrency}: give a whole number of steps from 1 to 1000`);
  const leaseMs = parseDuration(options.lease);
  if (!leaseMs || leaseMs < 2_000) throw new UsageError(`--lease ${options.lease}: give a duration of at least 2s, e.g. 30s`);
  // Connections kept open: the steps a worker takes together each make a few short queries as they start.
  const services = await connectServices({ ...config, fleet: config.fleet }, { keptConnections: 10 });
  const { runWorker } = await import('../engine/fleet/worker.js');
  const stop = new AbortController();
  const hardStop = new AbortController();
  const onSignal = () => (stop.signal.aborted ? hardStop.abort() : stop.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runWorker({
      stateDir: resolve(options.stateDir),
      config,
      services,
      executors: createExecutors(config),
      backends,
      concurrency: (backend) => concurrency ?? defaultConcurrency(config, backend),
      leaseMs,
      stop: stop.signal,
      hardStop: hardStop.signal,
      log: (line) => process.stderr.write(`vidrecipe worker: ${line}\n`),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await services.close();
  }
  return EXIT.ok;
}

/**
 * `--backends` as given (a provider without its key is an error), else every provider whose key is set,
 * and local: a worker serves what it can.
 */
function chooseBackends(list: string | undefined): Backend[] {
  if (list === undefined) return BACKENDS.filter((b) => b === 'local' || process.env[API_KEYS[b]]);
  const named = list.split(',').map((b) => b.trim()).filter(Boolean);
  const unknown = named.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (unknown.length || !named.length) throw new UsageError(`--backends ${list}: give a comma-separated list of ${BACKENDS.join(', ')}`);
  for (const b of named as Backend[]) if (b !== 'local' && !process.env[API_KEYS[b]]) throw new UsageError(`--backends ${b}: this worker has no ${API_KEYS[b]} in its environment; export it, or leave ${b} to workers that have it`);
  return [...new Set(named as Backend[])];
}

/** A provider's queue: as many as the account allows (its global limit holds anyway); local: one per core. */
function defaultConcurrency(config: EngineConfig & { fleet?: Fleet }, backend: Backend): number {
  return backend === 'local' ? availableParallelism() : config[backend].concurrency;
}
