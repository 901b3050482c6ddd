import { accessSync, constants, statSync } from 'node:fs';
import type { EngineConfig } from '../config.js';
import { causeText, ServiceError } from './service-error.js';
import type { SharedBlobs } from './blobs.js';
import { FolderBlobs } from './blobs-folder.js';
import { S3Blobs } from './blobs-s3.js';
import { checkRedis, FleetQueues } from './queues.js';
import { Records } from './records.js';
import type { Fleet } from './settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The three shared services, connected and checked: what a coordinator, a worker and `status` use. */
export interface FleetServices {
  fleet: Fleet;
  queues: FleetQueues;
  records: Records;
  blobs: SharedBlobs;
  close(): Promise<void>;
}

/**
 * Connects to Redis, PostgreSQL and the blob store, each checked before anything runs: a URL that does
 * not answer or credentials that are refused fail here, naming the setting. All three are checked at
 * once, and what was opened is closed again when one fails.
 */
export async function openFleet(config: EngineConfig & { fleet: Fleet }, env: Env = process.env, options: { keptConnections?: number } = {}): Promise<FleetServices> {
  const { fleet } = config;
  const [redis, records, blobs] = await Promise.allSettled([checkRedis(fleet.queue, env), Records.open(fleet.records, options.keptConnections), openBlobs(fleet, env)]);
  const failed = [redis, records, blobs].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) {
    if (records.status === 'fulfilled') await records.value.close();
    if (blobs.status === 'fulfilled') blobs.value.close();
    throw failed.length === 1 ? failed[0]!.reason : new Error(failed.map((f) => (f.reason as Error).message).join('\n'));
  }
  const queues = new FleetQueues(fleet.queue, config, env);
  const opened = { records: (records as PromiseFulfilledResult<Records>).value, blobs: (blobs as PromiseFulfilledResult<SharedBlobs>).value };
  return {
    fleet,
    queues,
    ...opened,
    async close() {
      await queues.close();
      await opened.records.close().catch(() => {});
      opened.blobs.close();
    },
  };
}

async function openBlobs(fleet: Fleet, env: Env): Promise<SharedBlobs> {
  const url = fleet.cache.url;
  if (url.protocol === 's3:') return S3Blobs.open(fleet.cache, env);
  const root = decodeURIComponent(url.pathname);
  // A share that is not mounted must not quietly become a folder on this machine's own disk.
  try {
    if (!statSync(root).isDirectory()) throw new Error('not a folder');
    accessSync(root, constants.W_OK);
  } catch (error) {
    throw new ServiceError(fleet.cache, `cannot use the folder ${root} (${causeText(error)})`, 'mount the shared folder there (or create it), writable by this user, or fix the URL', { cause: error });
  }
  return new FolderBlobs(root);
}
