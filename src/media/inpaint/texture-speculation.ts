import type { Mosaic } from './mosaic.js';
import { lumaTextureJob } from './never-seen.js';
import { sameJob, type TextureJob, type TextureResult } from './texture-job.js';
import type { TextureThread } from './texture-thread.js';

/**
 * Frames in a row that show no place for the first time, while pass 2 waits, before the synthesis is started
 * ahead; twice as many after each start that was stopped. On the bench's large object, which pauses once
 * and stops uncovering anything 16 frames before the clip ends, that starts it with 9 frames of pass 1 left.
 * An object that uncovers the background slowly, a little every few frames, would otherwise have it started
 * and stopped over and over (86 times in a minute of the bench's still scene at 320×180, for nothing: it
 * uncovers all), each start costing a copy of the mosaic's surroundings of the hole and some of a core.
 */
const QUIET_FRAMES = 4;

/**
 * Starts the texture synthesis of the never-seen places on a worker thread before pass 1 has finished, once
 * they look settled, so it runs beside the rest of pass 1 instead of alone after it. Which places no frame
 * shows is only certain at the end, so at the end its input is compared with the mosaic's, byte for byte:
 * the result is used only when they are equal (it is then what synthesizing at the end gives), and
 * otherwise the synthesis runs at the end as it always did.
 *
 * Settled means no frame has shown a place for the first time for a few frames, with pass 2 waiting for pass
 * 1 (a frame it fills reads a place not seen yet): while pass 2 fills frames it writes the background each
 * shows into the mosaic, which the synthesis reads around the hole. A frame that does show a new place stops
 * the synthesis under way.
 */
export class TextureSpeculation {
  private quiet = 0;
  private wanted = QUIET_FRAMES;
  /** Since the last new place was seen, the mosaic was looked at and had nothing to synthesize. */
  private looked = false;
  private started: { job: TextureJob; result: Promise<TextureResult | undefined> } | undefined;

  constructor(
    private readonly mosaic: Mosaic,
    private readonly thread: TextureThread,
  ) {}

  /** After pass 1 recorded a frame: how many places it showed first, and whether pass 2 waits for pass 1. */
  afterFrame(firstSeen: number, secondWaiting: boolean): void {
    if (firstSeen) {
      this.quiet = 0;
      this.looked = false;
      if (this.started) {
        this.thread.cancel();
        this.wanted *= 2;
      }
      this.started = undefined;
      return;
    }
    if (++this.quiet < this.wanted || this.started || this.looked || !secondWaiting) return;
    const job = lumaTextureJob(this.mosaic);
    this.looked = !job;
    if (job) this.started = { job, result: this.thread.run(job) };
  }

  /**
   * The result of the synthesis started ahead when it was given exactly `job` (the mosaic's at the end);
   * otherwise undefined, and one under way is stopped.
   */
  async resultFor(job: TextureJob): Promise<TextureResult | undefined> {
    const started = this.started;
    this.started = undefined;
    if (started && sameJob(started.job, job)) return started.result;
    this.thread.cancel();
    return undefined;
  }
}
