import { Writable } from 'node:stream';
import type { StepView } from '../../src/engine/events.js';

/** A stream that keeps what is written to it, a terminal `columns` wide when `tty`, or a pipe. */
export function captureStream(tty: boolean, columns: number): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(out, { isTTY: tty, columns: tty ? columns : undefined, rows: 40, text: () => text });
  return out;
}

/** A local trim step's view, waiting, with `change` over it. */
export const stepView = (id: string, change: Partial<StepView> = {}): StepView => ({
  id,
  step: id,
  uses: 'local/trim',
  backend: 'local',
  status: 'waiting',
  attempts: 0,
  estimatedCostUsd: 0,
  costUsd: 0,
  outputs: {},
  warnings: [],
  ...change,
});
