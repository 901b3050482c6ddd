import type { EngineConfig } from '../engine/config.js';
import type { Coordinator } from '../engine/fleet/coordinator.js';
import type { FleetServices } from '../engine/fleet/services.js';
import type { Fleet } from '../engine/fleet/settings.js';
import { UsageError } from './exit.js';

/**
 * The many-machines services, connected and checked, or a usage error naming the setting that failed.
 * Loaded only when configured: one machine alone never loads BullMQ, pg or the AWS SDK.
 */
export async function connectServices(config: EngineConfig & { fleet: Fleet }, options: { keptConnections?: number } = {}): Promise<FleetServices> {
  const { openFleet } = await import('../engine/fleet/services.js');
  try {
    return await openFleet(config, process.env, options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A coordinator on the configured services; undefined on one machine. */
export async function connectCoordinator(config: EngineConfig): Promise<Coordinator | undefined> {
  if (!config.fleet) return undefined;
  const services = await connectServices({ ...config, fleet: config.fleet });
  const { Coordinator } = await import('../engine/fleet/coordinator.js');
  return new Coordinator(services);
}
