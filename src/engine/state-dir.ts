import { join, resolve } from 'node:path';
import { safeName } from './state-names.js';

/** Where everything of the state dir lives, in one place (DESIGN.md "State on disk"). */
export class StateDir {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  get objects(): string {
    return join(this.root, 'cache', 'objects');
  }
  get steps(): string {
    return join(this.root, 'cache', 'steps');
  }
  /** Provider URLs that already serve some content (uploads, task outputs), by digest. */
  get urls(): string {
    return join(this.root, 'cache', 'urls');
  }
  /** Per recipe, the key of each step's last finished result: what `--explain` compares a plan against. */
  get history(): string {
    return join(this.root, 'cache', 'history');
  }
  /** Submit intents and task ids of remote steps not finished yet, by step key. */
  get tasks(): string {
    return join(this.root, 'tasks');
  }
  /** One lock per step key being computed, so two runs sharing the dir never do the same work twice. */
  get locks(): string {
    return join(this.root, 'locks');
  }
  get runs(): string {
    return join(this.root, 'runs');
  }
  /** One folder per `vidrecipe worker` process: its journal of the steps it ran for coordinators. */
  get workers(): string {
    return join(this.root, 'workers');
  }
  /** Work folders of running steps; on the same file system as the objects, so results move in by rename. */
  get tmp(): string {
    return join(this.root, 'tmp');
  }
  /** A run's folder; an id typed by a user or read from a record is checked before it becomes a path. */
  run(id: string): string {
    return join(this.runs, safeName('run id', id));
  }
}
