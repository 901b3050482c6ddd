import type pg from 'pg';

/** How a wait for a freed slot ended. */
export type SlotWake = 'notice' | 'timeout' | 'stopped';

/**
 * One step's watch on freed slots, from before it first asks for a slot until it has one: a notice that
 * arrives while its ask is on the way (the slot freed after the ask saw it taken) is kept for it, where
 * a wait begun after the answer would miss it and sleep until its retry.
 */
export interface SlotWatch {
  /** At once when a notice came since the last call; else at the next notice, after `maxMs`, or when `signal` aborts. */
  next(maxMs: number, signal?: AbortSignal): Promise<SlotWake>;
  /** Done watching: a notice it holds unused goes to the next watch, as it may be for a slot still free. */
  close(): void;
}

/**
 * The account's freed slots as PostgreSQL announces them (`NOTIFY vidrecipe_slots`), heard on one
 * connection per process. Each notice goes to the oldest watch of this process that holds none yet: a
 * freed slot can be taken once, and waking every step of every machine for it would be a query each.
 * A notice with no watch is dropped: no step here wants a slot.
 */
export class SlotNotices {
  private listener?: Promise<pg.Client>;
  /** In the order they began to watch. */
  private readonly watches = new Set<Watch>();

  constructor(private readonly connect: () => pg.Client) {}

  /** The connection listening: awaited before a first ask, so no notice is missed. */
  listening(): Promise<pg.Client> {
    this.listener ??= (async () => {
      const client = this.connect();
      client.on('error', () => {});
      client.on('notification', () => this.deliver());
      await client.connect();
      await client.query('LISTEN vidrecipe_slots');
      return client;
    })();
    return this.listener;
  }

  watch(): SlotWatch {
    void this.listening().catch(() => {});
    const watch = new Watch(() => {
      this.watches.delete(watch);
      if (watch.held) this.deliver();
    });
    this.watches.add(watch);
    return watch;
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.then((client) => client.end()).catch(() => {});
  }

  private deliver(): void {
    for (const watch of this.watches) {
      if (watch.held) continue;
      watch.held = true;
      watch.wake?.();
      return;
    }
  }
}

class Watch implements SlotWatch {
  /** A notice came for it, not yet taken by {@link next}. */
  held = false;
  /** Set while a {@link next} waits. */
  wake?: () => void;

  constructor(readonly close: () => void) {}

  next(maxMs: number, signal?: AbortSignal): Promise<SlotWake> {
    if (this.held) {
      this.held = false;
      return Promise.resolve('notice');
    }
    if (signal?.aborted) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      const end = (why: SlotWake) => {
        this.wake = undefined;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(why);
      };
      const onAbort = () => end('stopped');
      const timer = setTimeout(() => end('timeout'), maxMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = () => {
        this.held = false;
        end('notice');
      };
    });
  }
}
