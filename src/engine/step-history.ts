import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { gitWorkTreeOf } from '../recipe/work-tree.js';
import { writeFileAtomic } from './atomic.js';
import { sha256 } from './hash.js';

/** The last finished result of one step id: its key (the record is `cache/steps/<key>.json`) and run. */
export interface LastResult {
  key: string;
  run: string;
  at: string;
}

/** `cache/history/<hash of the recipe>.json`: one small file per recipe, rewritten whole. */
interface HistoryFile {
  format: 1;
  recipe: string;
  steps: Record<string, LastResult>;
}

/**
 * Which result each step of a recipe had last, so `--explain` can say what changed since. A recipe is
 * named by its path inside its git work tree (else its absolute path): the same recipe in another
 * checkout, or in CI with a restored state dir, finds its history. Only the key is kept; what went into
 * it is in the step's cache record.
 */
export class StepHistory {
  readonly recipe: string;
  private readonly file: string;
  /** The file as last read: `last` parses it once, not once per step. */
  private loaded?: HistoryFile | null;
  /** Results remembered since the file was last written. */
  private readonly pending = new Map<string, LastResult>();
  private lastWrite = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    recipeFile: string,
  ) {
    const absolute = resolve(recipeFile);
    const tree = gitWorkTreeOf(absolute);
    const inTree = tree === undefined ? undefined : relative(tree, absolute);
    this.recipe = (inTree === undefined || inTree.startsWith('..') ? absolute : inTree).split(sep).join('/');
    this.file = join(dir, `${sha256(this.recipe).slice(0, 32)}.json`);
  }

  last(step: string): LastResult | undefined {
    if (this.loaded === undefined) this.loaded = this.read() ?? null;
    const found = this.pending.get(step) ?? this.loaded?.steps[step];
    // The key names a file in cache/steps/: only a digest may.
    return found && /^[0-9a-f]{64}$/.test(found.key) && typeof found.run === 'string' ? found : undefined;
  }

  /**
   * Records a step's result as its last. The file is read, changed and renamed without yielding, so the
   * steps of one run cannot lose each other's entries; two runs of one recipe at once may, and then
   * `--explain` compares against the other run's result, which is as recent. Rewriting the whole file
   * for every step would make a batch of thousands of legs quadratic: a result is written at once when
   * the file was last written over {@link WRITE_EVERY_MS} ago, else with the others of that interval
   * (and by {@link flush} at the run's end), so a run killed outright loses at most that interval's.
   */
  remember(step: string, key: string, run: string): void {
    this.pending.set(step, { key, run, at: new Date().toISOString() });
    if (Date.now() - this.lastWrite >= WRITE_EVERY_MS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), WRITE_EVERY_MS - (Date.now() - this.lastWrite));
      this.timer.unref();
    }
  }

  /** Writes what was remembered and not written yet. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.size) return;
    // Read again: another run of the recipe may have written its own steps since.
    const history = this.read() ?? { format: 1, recipe: this.recipe, steps: {} };
    for (const [step, result] of this.pending) history.steps[step] = result;
    this.pending.clear();
    this.loaded = history;
    this.lastWrite = Date.now();
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileAtomic(this.file, `${JSON.stringify(history, null, 2)}\n`);
    } catch {
      // Only explanations read this: a finished step must not fail because it could not be written.
    }
  }

  private read(): HistoryFile | undefined {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as HistoryFile;
      // Two recipe paths with the same hash prefix must not read each other's steps.
      return parsed.format === 1 && parsed.recipe === this.recipe && typeof parsed.steps === 'object' && parsed.steps ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
}

/** How often, at most, a run rewrites a recipe's history file (see {@link StepHistory.remember}). */
const WRITE_EVERY_MS = 1_000;
