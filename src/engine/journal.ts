import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';

/** One line of `runs/<id>/journal.jsonl`. */
export type JournalEntry =
  | { event: 'run-start'; run: string; recipe: string; steps: string[]; pid: number }
  | { event: 'step-start'; step: string; key: string; attempt: number }
  | { event: 'step-cached'; step: string; key: string; from: string }
  | { event: 'submit-intent'; step: string; key: string; backend: string }
  | { event: 'submitted'; step: string; key: string; task: string }
  | { event: 'reattach'; step: string; key: string; task: string; from: string }
  | { event: 'step-succeeded'; step: string; key: string; outputs: Record<string, string>; cost_usd: number; ms: number }
  | { event: 'step-failed'; step: string; key?: string; error: string; attempt: number; final: boolean }
  | { event: 'step-skipped'; step: string; because: string }
  | { event: 'run-end'; status: string; cost_usd: number };

export type JournalLine = JournalEntry & { t: string };

/**
 * Append-only, one JSON object per line, written synchronously: when the process dies (kill -9
 * included) every line written before is in the file. Lines about money are also flushed to disk.
 */
export class Journal {
  constructor(readonly file: string) {}

  append(entry: JournalEntry, durable = false): void {
    const line = `${JSON.stringify({ t: new Date().toISOString(), ...entry })}\n`;
    if (!durable) {
      appendFileSync(this.file, line);
      return;
    }
    const fd = openSync(this.file, 'a');
    try {
      appendFileSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
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
