import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TextureJob, TextureResult } from './texture-job.js';
import type { TextureReply, TextureRequest } from './texture-worker.js';

// Built beside this module (dist/media/inpaint) and, by scripts/bundle.js, beside the bundle's chunks
// (dist/cli), so this resolves either way. Run from the TypeScript sources (the tests) there is no such file:
// no thread is opened, and the synthesis runs inline as before.
const ENTRY = new URL('./texture-worker.js', import.meta.url);

/**
 * Workers that finished a removal, idle: the next removal in this process takes one, with its code already
 * compiled (a fresh worker runs the synthesis at first far slower). Idle workers do not keep the process alive.
 */
const idle = new Map<Worker, () => void>();

/** Ids across all threads, so a late reply to a stopped job can never pass for a later job's. */
let nextId = 0;

/**
 * One removal's worker thread for texture synthesis (texture-job.ts), taken from the idle ones or started on
 * first use. Jobs run in the order given; `cancel` stops those not finished (they resolve undefined), and
 * so does any failure of the worker: the caller then synthesizes inline.
 */
export class TextureThread {
  private worker: Worker | undefined;
  private broken = false;
  private readonly pending = new Map<number, { resolve: (result: TextureResult | undefined) => void; stop: Int32Array }>();
  private readonly onMessage = (reply: TextureReply): void => this.settle(reply.id, reply.result);
  private readonly onFailure = (): void => {
    this.broken = true;
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
  };

  /** A thread for one removal, or undefined where the worker's module is not there (see ENTRY). */
  static open(): TextureThread | undefined {
    return existsSync(fileURLToPath(ENTRY)) ? new TextureThread() : undefined;
  }

  /** The job's result, or undefined when it was cancelled or the worker failed. */
  run(job: TextureJob): Promise<TextureResult | undefined> {
    const worker = this.attach();
    if (!worker) return Promise.resolve(undefined);
    const id = nextId++;
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const request: TextureRequest = { id, job, stop };
    const result = new Promise<TextureResult | undefined>((resolve) => this.pending.set(id, { resolve, stop }));
    // Copied, not transferred: the caller keeps the job to compare it with the mosaic later.
    worker.postMessage(request);
    worker.ref();
    return result;
  }

  /** Stops every job not finished; they resolve undefined at once. */
  cancel(): void {
    for (const [id, { stop }] of this.pending) {
      Atomics.store(stop, 0, 1);
      this.settle(id, undefined);
    }
  }

  /** Cancels what is left and gives the worker back for a later removal (unless it failed). */
  release(): void {
    this.cancel();
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.off('message', this.onMessage);
    worker.off('error', this.onFailure);
    worker.off('exit', this.onFailure);
    if (this.broken) return void worker.terminate();
    worker.unref();
    // One that dies while idle (it should not) is not handed out again.
    const gone = (): void => void idle.delete(worker);
    worker.once('exit', gone);
    idle.set(worker, gone);
  }

  private attach(): Worker | undefined {
    if (this.broken) return undefined;
    if (this.worker) return this.worker;
    let worker = idle.keys().next().value;
    if (worker) {
      worker.off('exit', idle.get(worker)!);
      idle.delete(worker);
    }
    try {
      worker ??= new Worker(ENTRY);
    } catch {
      this.broken = true;
      return undefined;
    }
    worker.on('message', this.onMessage);
    worker.once('error', this.onFailure);
    worker.once('exit', this.onFailure);
    return (this.worker = worker);
  }

  private settle(id: number, result: TextureResult | undefined): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (!this.pending.size) this.worker?.unref();
    entry.resolve(result);
  }
}
