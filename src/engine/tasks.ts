import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../models/types.js';
import { writeFileAtomic } from './atomic.js';
import type { Quarantine } from './quarantine.js';
import { parseRecord, taskRecordProblem } from './record-guards.js';
import { forceFlag } from './legs.js';
import { isName, safeName } from './state-names.js';

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
  /** The machine that wrote it: a task record from elsewhere is re-attached to only with a notice. */
  host?: string;
  /** Where the damaged record this one was rebuilt from lies in the quarantine. */
  repairedFrom?: string;
}

/** What the step that reads a record knows for sure: its key already names the model and backend. */
export interface TaskContext {
  step: string;
  backend: Backend;
  model: string;
}

/**
 * Where a step's open task is written down: the state dir's files on one machine, PostgreSQL on many.
 * Each write is durable when it returns; losing one could mean paying twice.
 */
export interface TaskBook {
  get(key: string, context?: TaskContext): TaskRecord | undefined | Promise<TaskRecord | undefined>;
  intent(record: Omit<TaskRecord, 'state' | 'intentAt'>): TaskRecord | Promise<TaskRecord>;
  submitted(record: TaskRecord, taskId: string): TaskRecord | Promise<TaskRecord>;
  clear(key: string): void | Promise<void>;
}

/** `tasks/<key>.json`: the open remote tasks, found by step key so any later run can re-attach. */
export class TaskIndex implements TaskBook {
  constructor(
    readonly dir: string,
    private readonly quarantine?: Quarantine,
  ) {}

  private file(key: string): string {
    return join(this.dir, `${safeName('step key', key)}.json`);
  }

  /**
   * The open task of `key`. A damaged record may stand for money, so it is neither trusted nor dropped:
   * it is set aside, and a sound record is rebuilt from what it still says — a readable task id is
   * re-attached to; without one, the submit counts as one whose outcome is unknown (never replayed
   * without --force).
   */
  get(key: string, context?: TaskContext): TaskRecord | undefined {
    const file = this.file(key);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const found = parseRecord<TaskRecord>(text, (value) => taskRecordProblem(value, key));
    if ('record' in found) return found.record;
    if (!context || !this.quarantine) return undefined;
    return this.repair(key, file, text, found.problem, context);
  }

  private repair(key: string, file: string, text: string, problem: string, context: TaskContext): TaskRecord | undefined {
    const said = readable(text);
    const intentAt = said.intentAt ?? modified(file);
    const rebuilt: TaskRecord = {
      key,
      step: context.step,
      run: said.run ?? 'unknown',
      backend: context.backend,
      model: context.model,
      state: said.taskId ? 'submitted' : 'intent',
      taskId: said.taskId,
      intentAt,
      submittedAt: said.submittedAt,
    };
    const what = [said.taskId ? `task id ${said.taskId}` : 'no readable task id', `state ${said.state ?? 'unreadable'}`, said.run ? `run ${said.run}` : undefined, `written ${intentAt}`].filter(Boolean).join(', ');
    const check = said.taskId
      ? `this run re-attaches to task ${said.taskId} on ${context.backend} instead of paying again; if ${context.backend}'s task list has no such task of yours, run again with ${forceFlag(context.step)} to submit anew`
      : `a submit of step "${context.step}" (${context.model}) to ${context.backend} may have reached the provider and be charged: check ${context.backend}'s task list for one made around ${intentAt}, then run again with ${forceFlag(context.step)} to submit anew`;
    const moved = this.quarantine!.setAside('task record', file, problem, `it said: ${what}; ${check}`);
    if (!moved) return this.get(key);
    rebuilt.repairedFrom = moved.movedTo;
    writeFileAtomic(file, JSON.stringify(rebuilt), true);
    return rebuilt;
  }

  intent(record: Omit<TaskRecord, 'state' | 'intentAt'>): TaskRecord {
    mkdirSync(this.dir, { recursive: true });
    const full: TaskRecord = { ...record, state: 'intent', intentAt: new Date().toISOString(), host: hostname() };
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

/** Whatever of a damaged task record can still be read, each value only if well-formed. */
function readable(text: string): { taskId?: string; state?: string; run?: string; intentAt?: string; submittedAt?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const time = (x: unknown) => (typeof x === 'string' && !Number.isNaN(Date.parse(x)) ? x : undefined);
  return {
    taskId: isName('task id', v.taskId) ? v.taskId : undefined,
    state: v.state === 'intent' || v.state === 'submitted' ? v.state : undefined,
    run: isName('run id', v.run) ? v.run : undefined,
    intentAt: time(v.intentAt),
    submittedAt: time(v.submittedAt),
  };
}

function modified(file: string): string {
  try {
    return statSync(file).mtime.toISOString();
  } catch {
    return new Date().toISOString();
  }
}
