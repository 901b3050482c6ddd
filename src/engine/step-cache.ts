import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, MediaKind } from '../models/types.js';
import { writeFileAtomic } from './atomic.js';
import type { Quarantine } from './quarantine.js';
import { parseRecord, stepRecordProblem } from './record-guards.js';
import { safeName } from './state-names.js';
import type { KeyMaterial } from './step-key.js';
import type { ContentStore } from './store.js';

export interface CachedOutput {
  digest: string;
  kind: MediaKind;
  /** File extension of the output (`.mp4`, `.png`), so copies to --out open in a player. */
  ext: string;
}

/** `cache/steps/<key>.json`: one finished step. Failures never get one. */
export interface StepRecord {
  format: 1;
  key: string;
  model: string;
  specVersion: number;
  backend: Backend;
  /** What went into the key (absent in records written before it was kept): what `--explain` compares. */
  keyed?: KeyMaterial;
  /** The step and run that computed it (another recipe may reuse it under another id). */
  step: string;
  run: string;
  createdAt: string;
  durationMs: number;
  outputs: Record<string, CachedOutput>;
  /** Provider URLs of the outputs and their expiry, so a later remote step can skip a re-upload. */
  remoteUrls?: Record<string, { url: string; expiresAt?: string }>;
  taskId?: string;
  costUsd: number;
  /** The prompt the provider rewrote ours into, so a cached step still reports it. */
  actualPrompt?: string;
  /**
   * What the step's implementation warned while computing it (an odd size cropped, the share of a removal
   * no frame showed), so a run served from the cache says it again.
   */
  warnings?: string[];
}

export type Lookup = { hit: StepRecord } | { miss: 'absent' | 'unreadable' | 'blob-missing' | 'blob-corrupt'; detail?: string };

export class StepCache {
  private made = false;
  /** Whether the records folder existed when {@link peek} first looked. */
  private anyRecords?: boolean;

  // Nothing is created until a record is written: `plan` reads a state dir it may not write to.
  constructor(
    readonly dir: string,
    private readonly store: ContentStore,
    /** Where a damaged record goes; without one (`plan`, which writes nothing) it is only passed over. */
    private readonly quarantine?: Quarantine,
  ) {}

  private file(key: string): string {
    return join(this.dir, `${safeName('step key', key)}.json`);
  }

  /** The record as stored, without checking its blobs (for the plan). */
  peek(key: string): StepRecord | undefined {
    // A plan of a batch asks for thousands of keys; in a state dir with no records yet, none is looked for.
    this.anyRecords ??= existsSync(this.dir);
    if (!this.anyRecords) return undefined;
    const found = this.read(key);
    return 'record' in found ? found.record : undefined;
  }

  private read(key: string): { record: StepRecord } | { absent: true } | { problem: string } {
    const file = this.file(key);
    // Most keys of a new batch have no record: asking is far cheaper than the error a failed read throws.
    if (!existsSync(file)) return { absent: true };
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return { absent: true };
    }
    return parseRecord<StepRecord>(text, (value) => stepRecordProblem(value, key));
  }

  /**
   * A record whose every blob exists and still hashes to its name. Anything less is a miss, and the
   * record is dropped so the step is recomputed rather than served damaged.
   */
  async lookup(key: string): Promise<Lookup> {
    const found = this.read(key);
    if ('absent' in found) return { miss: 'absent' };
    if ('problem' in found) {
      this.quarantine?.setAside('step record', this.file(key), found.problem, 'the step is computed again');
      return { miss: 'unreadable', detail: found.problem };
    }
    const record = found.record;
    for (const [name, output] of Object.entries(record.outputs)) {
      if (!this.store.has(output.digest)) return this.drop(key, 'blob-missing', name);
      if (!(await this.store.verify(output.digest))) return this.drop(key, 'blob-corrupt', name);
    }
    return { hit: record };
  }

  write(record: StepRecord): void {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    writeFileAtomic(this.file(record.key), `${JSON.stringify(record, null, 2)}\n`);
  }

  private drop(key: string, miss: 'blob-missing' | 'blob-corrupt', detail: string): Lookup {
    rmSync(this.file(key), { force: true });
    return { miss, detail };
  }
}
