import { readFrames, type ReadFramesOptions } from './frames.js';

/**
 * Frames of a file by index, asked for in increasing order: opened on first use, it decodes from the start
 * and skips the frames not asked for. For a pass that normally gets its frames handed over and has to catch
 * up on its own from some frame on.
 */
export class FrameCursor {
  private frames: AsyncGenerator<Buffer, void, undefined> | undefined;
  private position = 0;

  constructor(
    readonly file: string,
    private readonly options: ReadFramesOptions,
  ) {}

  /** Frame `index` (counting from 0), or undefined when the file has no such frame. */
  async at(index: number): Promise<Buffer | undefined> {
    if (index < this.position) throw new RangeError(`frame ${index} of ${this.file} was asked for after frame ${this.position - 1}`);
    this.frames ??= readFrames(this.file, this.options);
    for (;;) {
      const next = await this.frames.next();
      if (next.done) return undefined;
      if (this.position++ === index) return next.value;
    }
  }

  /** Stops the decoder, if one was started. */
  async close(): Promise<void> {
    await this.frames?.return(undefined);
  }
}
