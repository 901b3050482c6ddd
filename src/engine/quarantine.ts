import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { RecordKind } from './record-guards.js';

/** A damaged record moved out of the way: where it was, where it is now, what was wrong. */
export interface SetAside {
  kind: RecordKind;
  file: string;
  movedTo: string;
  problem: string;
  /** What follows for the run, and what the user may need to check. */
  note: string;
}

/**
 * `quarantine/` in the state dir: where damaged records go instead of wedging every later run. They are
 * moved, never deleted (one may be the only trace of a task the provider charges for), under their path
 * in the state dir and the time they were set aside, so a person can look at them and put one back.
 */
export class Quarantine {
  constructor(
    readonly root: string,
    private readonly onSetAside: (event: SetAside) => void = () => {},
  ) {}

  get dir(): string {
    return join(this.root, 'quarantine');
  }

  /**
   * Moves `file` into the quarantine; undefined when it is gone already (another run set it aside first,
   * and told its user). Only the run that moved it reports it.
   */
  setAside(kind: RecordKind, file: string, problem: string, note: string): SetAside | undefined {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '-');
    const movedTo = join(this.dir, `${relative(this.root, file)}.${stamp}-${process.pid}`);
    mkdirSync(dirname(movedTo), { recursive: true });
    try {
      renameSync(file, movedTo);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const event = { kind, file, movedTo, problem, note };
    this.onSetAside(event);
    return event;
  }
}
