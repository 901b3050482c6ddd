/**
 * What is asked for in one turn of the event loop, handled together by one call: a batch's ready legs are
 * hundreds of requests made at once, and one round trip for all of them costs a coordinator less than
 * one each. Each asker gets its own result, or the call's error.
 */
export class TurnBatch<T, R> {
  private pending?: { items: T[]; done: Promise<readonly R[]> };

  constructor(private readonly handle: (items: readonly T[]) => Promise<readonly R[]>) {}

  add(item: T): Promise<R> {
    if (!this.pending) {
      const items: T[] = [];
      const done = new Promise<void>((next) => setImmediate(next)).then(() => {
        this.pending = undefined;
        return this.handle(items);
      });
      this.pending = { items, done };
    }
    const at = this.pending.items.push(item) - 1;
    return this.pending.done.then((results) => results[at]!);
  }
}
