import { readConfig, withConfigSource } from './config-file.js';
import { EXIT, UsageError } from './exit.js';
import { connectServices } from './fleet.js';
import { formatText } from './format/diagnostics.js';
import { formatSize } from '../providers/media-download.js';
import type { FleetStatus } from '../engine/fleet/status.js';

export interface StatusCommandOptions {
  config?: string;
  format: 'text' | 'json';
}

/** `vidrecipe status`: the fleet's queues, workers, tasks in flight per account and shared cache. */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const loaded = readConfig(options);
  if (loaded.diagnostics.some((d) => d.severity === 'error')) {
    process.stderr.write(formatText(loaded.diagnostics, withConfigSource(new Map(), loaded)));
    return EXIT.invalid;
  }
  const { fleet } = loaded.config;
  if (!fleet) throw new UsageError(`no shared services are configured, so there is no fleet to show: this machine runs alone (vidrecipe runs lists its runs); to run on many machines set queue, records and cache in vidrecipe.config.yaml (docs/running.md, "Running on many machines")`);
  const services = await connectServices({ ...loaded.config, fleet });
  const { fleetStatus } = await import('../engine/fleet/status.js');
  try {
    const status = await fleetStatus(services);
    process.stdout.write(options.format === 'json' ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
  } finally {
    await services.close();
  }
  return EXIT.ok;
}

function statusText(status: FleetStatus): string {
  const lines = [`queue ${status.services.queue} · records ${status.services.records} · cache ${status.services.cache}`, ''];
  for (const q of status.queues) {
    const limits = q.backend === 'local' ? 'per-worker concurrency' : `the account: ${q.concurrency ?? '?'} tasks in flight, ${q.rate ? `${q.rate.max} submissions per ${q.rate.durationMs / 1000}s` : 'no rate limit set'}`;
    lines.push(`${q.queue.padEnd(10)} ${String(q.active).padStart(4)} running ${String(q.waiting).padStart(5)} waiting ${String(q.delayed).padStart(4)} delayed ${String(q.failed).padStart(4)} failed   (${limits})`);
    lines.push(`${''.padEnd(10)} workers: ${q.workers.length ? q.workers.join(', ') : 'none'}`);
  }
  lines.push('');
  const flying = status.inFlight.map((f) => `${f.account} ${f.count}`);
  lines.push(`tasks in flight now: ${flying.length ? flying.join(', ') : 'none'}`);
  const open = status.openTasks.map((t) => `${t.backend} ${t.count} ${t.state === 'submitted' ? 'submitted' : 'of unknown outcome'}`);
  lines.push(`remote tasks not finished: ${open.length ? open.join(', ') : 'none'} · steps held by a worker: ${status.leases}`);
  lines.push(`shared cache: ${status.cache.steps} step results, ${status.cache.blobs} blobs, ${formatSize(status.cache.bytes)}`);
  return `${lines.join('\n')}\n`;
}
