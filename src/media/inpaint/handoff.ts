/**
 * Items one pass hands to another running behind it, in order, within a byte budget. Going over the budget
 * drops every item and takes no more until the sender `resume`s: the receiver meanwhile makes its own (decodes
 * the files again) from where it is, so memory stays bounded however far the passes drift apart.
 */
export class Handoff<T> {
  private readonly queue: T[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  private dropped = false;

  constructor(readonly budget: number) {}

  /** Items waiting. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** True once the budget was exceeded: from then on nothing is kept. */
  get overflowed(): boolean {
    return this.dropped;
  }

  add(item: T, size: number): void {
    if (this.dropped) return;
    if (this.bytes + size > this.budget) {
      this.dropped = true;
      this.queue.length = 0;
      this.sizes.length = 0;
      this.head = 0;
      this.bytes = 0;
      return;
    }
    this.queue.push(item);
    this.sizes.push(size);
    this.bytes += size;
  }

  /** Takes items again after an overflow; the receiver finds out from them where they start. */
  resume(): void {
    this.dropped = false;
  }

  /** The oldest item not taken yet, left in place; undefined when none is waiting. */
  peek(): T | undefined {
    return this.head < this.queue.length ? this.queue[this.head] : undefined;
  }

  /** The oldest item not taken yet; undefined when none is waiting or they were dropped. */
  take(): T | undefined {
    if (this.head >= this.queue.length) return undefined;
    const item = this.queue[this.head]!;
    this.bytes -= this.sizes[this.head]!;
    this.head++;
    // Drop taken items in batches rather than shift() each, which is linear in the queue's length.
    if (this.head >= 64 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }
}
