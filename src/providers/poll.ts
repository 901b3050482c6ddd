import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient } from './http.js';

/**
 * Asks for a task's state every `intervalMs` until `settle` returns a result (or throws, for a task that
 * failed). The first ask is immediate: a re-attached task may have finished long ago. A provider that
 * does not answer for a while (each ask already retried with back-off) is asked again at the next
 * interval rather than failing the step: polling costs nothing and the task runs on. The step's timeout
 * and Ctrl-C end the loop through `signal`.
 */
export async function pollUntil<S, R>(
  poll: () => Promise<S>,
  settle: (state: S) => R | undefined,
  options: { intervalMs: number; signal: AbortSignal; onOutage(message: string): void },
): Promise<R> {
  for (;;) {
    let state: S | undefined;
    try {
      state = await poll();
    } catch (error) {
      if (!isTransient(error)) throw error;
      options.onOutage(`${error.message}; still polling`);
    }
    const result = state === undefined ? undefined : settle(state);
    if (result !== undefined) return result;
    await sleep(options.intervalMs, undefined, { signal: options.signal });
  }
}
