/**
 * Where one pass of a removal stands, for the other pass to wait on: frames done, whether it has finished,
 * whether it is itself waiting on the other pass, or why it failed.
 */
export class PassProgress {
  frames = 0;
  finished = false;
  private blockedOnOther = false;
  private failure: { error: unknown } | undefined;
  private waiting: (() => void)[] = [];

  /** True while this pass cannot go on until the other one does. */
  get blocked(): boolean {
    return this.blockedOnOther;
  }

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

  setBlocked(blocked: boolean): void {
    if (blocked === this.blockedOnOther) return;
    this.blockedOnOther = blocked;
    this.wake();
  }

  /** Resolves at the next change (a frame done, the end, a change of `blocked`), or at once when finished; rejects with the failure. */
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
