import { redact } from '../engine/redact.js';

/** What happened to a guarded stream: still open, or closed by its reader (`| head`) or by a failure. */
export interface OutputState {
  closed: boolean;
}

const guarded = new WeakMap<NodeJS.WriteStream, OutputState>();

/**
 * Makes stdout and stderr the sinks every printed string goes through:
 *
 * - every string written is redacted, whoever writes it (our formatters, listr2, a library's warning),
 *   so an API key quoted by a provider's error body is never printed;
 * - a reader that goes away (`vidrecipe schema | head -5`) is a normal end of output, not an EPIPE
 *   stack trace: later writes are dropped and the command finishes (a run keeps its journal and report)
 *   with its own exit code.
 */
export function guardOutput(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    const state: OutputState = { closed: false };
    guarded.set(stream, state);
    const write = stream.write.bind(stream) as (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;
    stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (state.closed) {
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }
      const text = typeof chunk === 'string' && (typeof encoding !== 'string' || /^utf-?8$/i.test(encoding)) ? redact(chunk) : chunk;
      return write(text, encoding, callback);
    }) as typeof stream.write;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (state.closed) return;
      state.closed = true;
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      // A full disk or a vanished terminal: the output is lost, and the exit code must say so.
      if (!process.exitCode) process.exitCode = 1;
      if (stream !== process.stderr) process.stderr.write(`vidrecipe: error: cannot write to ${stream === process.stdout ? 'stdout' : 'the output'}: ${error.code ?? error.message}\n`);
    });
  }
}
