/**
 * The packed fill weights (FillMask.pack) the first pass made and the second has not used yet, in frame
 * order, so the second need not decode and grow the mask again — while they fit in a byte budget. Past it
 * they are all dropped and the second pass decodes the mask itself from there on: memory stays bounded
 * however far the first pass runs ahead.
 */
export class FillHistory {
  private readonly queue: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  private dropped = false;

  constructor(readonly budget: number) {}

  add(packed: Uint8Array): void {
    if (this.dropped) return;
    this.bytes += packed.length;
    if (this.bytes <= this.budget) {
      this.queue.push(packed);
      return;
    }
    this.dropped = true;
    this.queue.length = 0;
    this.head = 0;
    this.bytes = 0;
  }

  /** The oldest entry not taken yet; undefined once the entries were dropped (or none is waiting). */
  take(): Uint8Array | undefined {
    if (this.head >= this.queue.length) return undefined;
    const packed = this.queue[this.head]!;
    this.queue[this.head++] = EMPTY;
    this.bytes -= packed.length;
    // Compact now and then rather than shift() each time, which is linear in the queue's length.
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return packed;
  }

  /** True once the budget was exceeded: from then on nothing is kept. */
  get overflowed(): boolean {
    return this.dropped;
  }
}

const EMPTY = new Uint8Array(0);
