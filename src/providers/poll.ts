import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Asks for a task's state every `intervalMs` until `settle` returns a result (or throws, for a task that
 * failed). The first ask is immediate: a re-attached task may have finished long ago. The step's timeout
 * and Ctrl-C end the loop through `signal`.
 */
export async function pollUntil<S, R>(poll: () => Promise<S>, settle: (state: S) => R | undefined, intervalMs: number, signal: AbortSignal): Promise<R> {
  for (;;) {
    const result = settle(await poll());
    if (result !== undefined) return result;
    await sleep(intervalMs, undefined, { signal });
  }
}
