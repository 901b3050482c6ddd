/**
 * Worker thread entry: texture-synthesis jobs (texture-job.ts) posted by texture-thread.ts, answered in order.
 * Each job comes with a flag in shared memory that its owner sets when the job's input has changed: the
 * synthesis then stops at its next round instead of finishing work nobody will use.
 */
import { parentPort } from 'node:worker_threads';
import { runTextureJob, type TextureJob, type TextureResult } from './texture-job.js';

export interface TextureRequest {
  id: number;
  job: TextureJob;
  /** One Int32 in shared memory: 0 go on, 1 stop. */
  stop: Int32Array;
}

export interface TextureReply {
  id: number;
  result: TextureResult | undefined;
}

parentPort?.on('message', ({ id, job, stop }: TextureRequest) => {
  const result = runTextureJob(job, () => Atomics.load(stop, 0) !== 0);
  const reply: TextureReply = { id, result };
  // Handed over, not copied: this thread is done with them.
  const transfer = result ? [result.values.buffer, result.known.buffer, ...(result.field ? [result.field.source.buffer] : [])] : [];
  parentPort!.postMessage(reply, transfer as ArrayBuffer[]);
});
