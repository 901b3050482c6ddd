import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { redact } from './redact.js';

/** One line of `runs/<id>/journal.jsonl`. */
export type JournalEntry =
  | { event: 'run-start'; run: string; recipe: string; steps: string[]; pid: number }
  | { event: 'step-start'; step: string; key: string; attempt: number }
  | { event: 'step-cached'; step: string; key: string; from: string }
  | { event: 'submit-intent'; step: string; key: string; backend: string }
  | { event: 'submitted'; step: string; key: string; task: string }
  | { event: 'reattach'; step: string; key: string; task: string; from: string }
  | { event: 'throttled'; step: string; key: string; retry_after_ms: number }
  | { event: 'step-succeeded'; step: string; key: string; outputs: Record<string, string>; cost_usd: number; ms: number }
  | { event: 'step-failed'; step: string; key?: string; error: string; attempt: number; final: boolean }
  | { event: 'step-skipped'; step: string; because: string }
  | { event: 'step-left-running'; step: string; key: string; backend: string; task: string; estimated_cost_usd: number }
  | { event: 'set-aside'; kind: string; file: string; to: string; problem: string }
  | { event: 'run-end'; status: string; cost_usd: number }
  | { event: 'worker-start'; worker: string; backends: string[]; pid: number }
  | { event: 'job-start'; step: string; key: string; run: string; lease: number; took_over: boolean }
  | { event: 'job-end'; step: string; key: string; run: string; outcome: 'succeeded' | 'cached' | 'failed' | 'handed-back'; error?: string }
  | { event: 'worker-end'; worker: string };

export type JournalLine = JournalEntry & { t: string };

/**
 * Append-only, one JSON object per line, written synchronously: when the process dies (kill -9
 * included) every line written before is in the file. Lines about money are also flushed to disk, unless
 * `flush` is false: a worker's task records live in PostgreSQL, and its journal is only a log.
 */
export class Journal {
  private fd: number | undefined;

  constructor(
    readonly file: string,
    private readonly flush = true,
  ) {
    this.fd = openSync(file, 'a');
  }

  append(entry: JournalEntry, durable = false): void {
    if (this.fd === undefined) return;
    // Errors quote providers' answers, which may quote the request and its key.
    writeSync(this.fd, `${redact(JSON.stringify({ t: new Date().toISOString(), ...entry }))}\n`);
    if (durable && this.flush) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The lines of a journal; a torn last line (the process died mid-write) is ignored. */
export function readJournal(file: string): JournalLine[] {
  const lines: JournalLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (!text.trim()) continue;
    try {
      lines.push(JSON.parse(text) as JournalLine);
    } catch {
      // Only the last line can be torn; nothing after it was written.
    }
  }
  return lines;
}
