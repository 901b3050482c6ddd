import { BACKENDS, type Backend } from '../../models/types.js';
import { ACTIVE_PER_SLOT, QUEUE_NAMES } from './queues.js';
import type { FleetServices } from './services.js';
import { shownUrl } from './settings.js';

/** What `vidrecipe status` shows: the queues, the workers alive, what is in flight per account, the shared cache. */
export interface FleetStatus {
  services: { queue: string; records: string; cache: string };
  queues: {
    backend: Backend;
    queue: string;
    waiting: number;
    active: number;
    delayed: number;
    failed: number;
    /** The account's tasks in flight at most, and how many of its steps the queue lets be active (null: not set yet). */
    concurrency: number | null;
    stepsActiveMax: number | null;
    /** Submissions started per window, as the queue paces them (null: none set yet). */
    rate: { max: number; durationMs: number } | null;
    workers: string[];
  }[];
  /** Tasks in flight now, per account (provider and key fingerprint), as the slots in PostgreSQL count them. */
  inFlight: { account: string; count: number }[];
  /** Remote tasks written down and not finished, per backend: submitted (re-attachable) or of unknown outcome. */
  openTasks: { backend: string; state: string; count: number }[];
  leases: number;
  cache: { steps: number; blobs: number; bytes: number };
}

export async function fleetStatus(services: FleetServices): Promise<FleetStatus> {
  const queues = await Promise.all(
    BACKENDS.map(async (backend) => {
      const queue = services.queues.queue(backend);
      const [counts, concurrency, rate, workers] = await Promise.all([queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'), queue.getGlobalConcurrency(), queue.getGlobalRateLimit(), queue.getWorkers()]);
      return {
        backend,
        queue: QUEUE_NAMES[backend],
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        concurrency: concurrency === null ? null : concurrency / ACTIVE_PER_SLOT,
        stepsActiveMax: concurrency,
        rate: rate ? { max: rate.max, durationMs: rate.duration } : null,
        // BullMQ names each worker's connection `<prefix>:<queue>:w:<worker name>`; the name is the worker's id.
        workers: [...new Set(workers.map((w) => (w.rawname ?? '').split(':w:')[1] ?? '').filter(Boolean))].sort(),
      };
    }),
  );
  const usage = await services.records.usage(services.blobs.name);
  const { fleet } = services;
  return {
    services: { queue: shownUrl(fleet.queue.url), records: shownUrl(fleet.records.url), cache: services.blobs.name },
    queues,
    inFlight: usage.inFlight,
    openTasks: usage.openTasks,
    leases: usage.leases,
    cache: { steps: usage.steps, blobs: usage.blobs, bytes: usage.bytes },
  };
}
