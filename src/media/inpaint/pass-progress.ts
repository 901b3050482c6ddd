/**
 * How far the first pass of a removal has got, for the second pass, which runs behind it, to wait on: a count
 * of frames recorded, whether it has finished, or why it failed.
 */
export class PassProgress {
  frames = 0;
  finished = false;
  private failure: { error: unknown } | undefined;
  private waiting: (() => void)[] = [];

  advance(): void {
    this.frames++;
    this.wake();
  }

  finish(): void {
    this.finished = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake();
  }

  /** Resolves at the next change (a frame recorded, the end), or at once when finished; rejects with the failure. */
  async changed(): Promise<void> {
    if (!this.failure && !this.finished) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failure) throw this.failure.error;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
