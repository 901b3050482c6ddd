import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../models/types.js';
import { writeFileAtomic } from './atomic.js';

/**
 * A remote task that was (maybe) paid for and has no cached result yet. `intent` is written before the
 * submit request leaves; `submitted` as soon as the provider answers with a task id. Both are flushed
 * to disk before going on, because losing one could mean paying twice.
 */
export interface TaskRecord {
  key: string;
  step: string;
  run: string;
  backend: Backend;
  model: string;
  state: 'intent' | 'submitted';
  taskId?: string;
  intentAt: string;
  submittedAt?: string;
}

/** `tasks/<key>.json`: the open remote tasks, found by step key so any later run can re-attach. */
export class TaskIndex {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  get(key: string): TaskRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.file(key), 'utf8')) as TaskRecord;
    } catch {
      return undefined;
    }
  }

  intent(record: Omit<TaskRecord, 'state' | 'intentAt'>): TaskRecord {
    mkdirSync(this.dir, { recursive: true });
    const full: TaskRecord = { ...record, state: 'intent', intentAt: new Date().toISOString() };
    writeFileAtomic(this.file(record.key), JSON.stringify(full), true);
    return full;
  }

  submitted(record: TaskRecord, taskId: string): TaskRecord {
    const full: TaskRecord = { ...record, state: 'submitted', taskId, submittedAt: new Date().toISOString() };
    writeFileAtomic(this.file(record.key), JSON.stringify(full), true);
    return full;
  }

  /** The task finished (its result is cached, or the provider reported it failed): nothing to re-attach to. */
  clear(key: string): void {
    rmSync(this.file(key), { force: true });
  }
}
