import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { formatMs } from '../recipe/duration.js';
import { FINAL_STATUSES, type RunEvent, type StepView } from '../engine/events.js';
import { groupLegs, LegCounter, tallyWords, type LegTally } from '../engine/legs.js';
import { usd } from '../models/price.js';

/** Shows a run's progress on stderr; stdout stays free for `--json` and pipes. */
export interface ProgressView {
  onEvent(event: RunEvent): void;
  close(): Promise<void>;
}

export interface ProgressOptions {
  /**
   * List the running and failed legs under a matrix step's line. Off by default: a batch of 300 legs is
   * one line per recipe step. `VIDRECIPE_PROGRESS=legs` turns it on (see {@link progressOptions}).
   */
  legs?: boolean;
  /** Without a terminal: how often a busy matrix step's line is repeated (10 s). */
  intervalMs?: number;
}

/** Options from the environment: `VIDRECIPE_PROGRESS=legs` lists legs under their step. */
export function progressOptions(env: Readonly<Record<string, string | undefined>> = process.env): ProgressOptions {
  return { legs: (env.VIDRECIPE_PROGRESS ?? '').split(/[\s,]+/).includes('legs') };
}

/** Listr2 at a terminal, plain lines anywhere else (CI logs, pipes, files). */
export function progressView(steps: readonly StepView[], stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = progressOptions()): ProgressView {
  // A terminal of unknown width (some CI pseudo-terminals) would make the live list wrap every character.
  const live = stream.isTTY && process.env.TERM !== 'dumb' && (stream.columns ?? 0) > 0;
  return live ? new TerminalProgress(steps, stream, options) : new LineProgress(steps, stream, options);
}

/** The words a person reads: `done`, not the engine's `succeeded`. */
export function statusWord(step: Pick<StepView, 'status' | 'fraction'>): string {
  if (step.status === 'succeeded') return 'done';
  if (step.status === 'running_at_provider') return 'running at provider';
  if (step.status === 'running' && step.fraction !== undefined) return `running ${Math.floor(step.fraction * 100)} %`;
  return step.status;
}

function details(step: StepView, now = Date.now()): string {
  const parts: string[] = [];
  // Time since the step left `waiting`: how long a running step has been at it, or what a finished one took.
  // A step under a second into its work has nothing to report yet ("queued  0 ms" is noise).
  if (step.startedAt && step.status !== 'skipped' && step.status !== 'cached') {
    const elapsed = (step.endedAt ?? now) - step.startedAt;
    if (FINAL_STATUSES.has(step.status) || elapsed >= 1000) parts.push(formatMs(elapsed));
  }
  if (step.costUsd > 0) parts.push(usd(step.costUsd));
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  if (step.status === 'failed' && step.error) parts.push(step.error.split('\n')[0]!);
  else if (step.message) parts.push(step.message);
  return parts.join(' · ');
}

/** A matrix step's time (first leg's start to the last one's end, or now) and what it has cost so far. */
function groupDetails(t: LegTally, now = Date.now()): string {
  const parts: string[] = [];
  if (t.startedAt !== undefined) {
    const elapsed = (t.endedAt ?? now) - t.startedAt;
    if (t.final || elapsed >= 1000) parts.push(formatMs(elapsed));
  }
  if (t.costUsd > 0) parts.push(usd(t.costUsd));
  return parts.join(' · ');
}

/** One line of a leg or a step: `id  word  details`. */
function line(label: string, width: number, word: string, more: string): string {
  return `${label.padEnd(width)}  ${word}${more ? `  ${more}` : ''}`;
}

/** Legs listed under their step's line: at most this many of each kind, then a count. */
const LISTED_LEGS = 10;

/**
 * The legs of one recipe step, as progress shows them. A step of one leg is shown as that leg (as before
 * batches); a step of many legs as one line of counts. Kept leg by leg: an event costs O(1).
 */
class Group {
  private readonly legs = new Map<string, StepView>();
  private readonly counter = new LegCounter();
  /** Legs at work and failed legs, for the listing under the line (legs mode). */
  private readonly busy = new Map<string, StepView>();
  private readonly failed = new Map<string, StepView>();

  constructor(
    readonly step: string,
    views: readonly StepView[],
  ) {
    for (const view of views) this.set(view);
  }

  get ids(): Iterable<string> {
    return this.legs.keys();
  }

  get many(): boolean {
    return this.legs.size > 1;
  }

  /** The one leg of a single-leg step. */
  get only(): StepView {
    return this.legs.values().next().value!;
  }

  get label(): string {
    return this.many ? this.step : this.only.id;
  }

  set(view: StepView): void {
    const old = this.legs.get(view.id);
    if (old) this.counter.count(old, -1);
    const copy = { ...view };
    this.legs.set(view.id, copy);
    this.counter.count(copy);
    this.busy.delete(view.id);
    this.failed.delete(view.id);
    if (view.status === 'failed') this.failed.set(view.id, copy);
    else if (view.status !== 'waiting' && !FINAL_STATUSES.has(view.status)) this.busy.set(view.id, copy);
  }

  tally(): LegTally {
    return this.counter.tally();
  }

  /** The step's line without the clock's time: what changed since it was last printed. */
  counts(): string {
    return tallyWords(this.tally());
  }

  text(width: number, now = Date.now()): string {
    if (!this.many) return line(this.label, width, statusWord(this.only), details(this.only, now));
    const t = this.tally();
    return line(this.label, width, tallyWords(t), groupDetails(t, now));
  }

  /** The running and failed legs, indented under the step's line, at most {@link LISTED_LEGS} of each. */
  legLines(indent: string, now = Date.now()): string[] {
    const out: string[] = [];
    for (const [legs, kind] of [[this.busy, 'running'], [this.failed, 'failed']] as const) {
      const shown = [...take(legs.values(), LISTED_LEGS)];
      const width = Math.max(0, ...shown.map((l) => l.id.length));
      out.push(...shown.map((l) => `${indent}${line(l.id, width, statusWord(l), details(l, now))}`));
      if (legs.size > LISTED_LEGS) out.push(`${indent}… and ${legs.size - LISTED_LEGS} more ${kind}`);
    }
    return out;
  }
}

function* take<T>(items: Iterable<T>, n: number): Iterable<T> {
  if (n <= 0) return;
  for (const item of items) {
    yield item;
    if (--n === 0) return;
  }
}

/** Groups in plan order, and each leg's group. */
function groupsOf(steps: readonly StepView[]): { groups: Group[]; byLeg: Map<string, Group>; width: number } {
  const groups = groupLegs(steps).map((g) => new Group(g.step, g.legs));
  const byLeg = new Map(groups.flatMap((g) => [...g.ids].map((id) => [id, g] as const)));
  return { groups, byLeg, width: Math.max(...groups.map((g) => g.label.length), 4) };
}

/** Without a terminal, a busy matrix step's line is repeated this often (when its counts changed). */
const LINE_INTERVAL_MS = 10_000;

/**
 * Plain lines for logs. A step of one leg: a line per change of state, as always. A step of many legs
 * never gets a line per leg per change (300 legs would flood a CI log): its line when it starts, again
 * at most every {@link LINE_INTERVAL_MS} while its counts change, and when it is over; a failed leg (or
 * one left running at a provider, which bills) gets its own line with its id and error, always.
 */
class LineProgress implements ProgressView {
  private readonly width: number;
  private readonly byLeg: Map<string, Group>;
  private readonly last = new Map<string, string>();
  /** Matrix steps whose counts changed since their line was last printed. */
  private readonly dirty = new Set<Group>();
  private readonly ended = new Set<Group>();
  private readonly ticker?: NodeJS.Timeout;

  constructor(
    steps: readonly StepView[],
    private readonly stream: NodeJS.WriteStream,
    private readonly options: ProgressOptions,
  ) {
    const { groups, byLeg, width } = groupsOf(steps);
    this.width = width;
    this.byLeg = byLeg;
    if (groups.some((g) => g.many)) {
      this.ticker = setInterval(() => this.flush(), options.intervalMs ?? LINE_INTERVAL_MS);
      this.ticker.unref();
    }
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'warning') {
      this.write(`${(event.step ?? '').padEnd(this.width)}  warning: ${event.message}`);
      return;
    }
    const step = event.step;
    const group = this.byLeg.get(step.id);
    if (group?.many) return this.onLeg(group, step);
    // One line per change of state, and per quarter of progress: a log, not an animation.
    const word = step.status === 'running' && step.fraction !== undefined ? `running ${Math.floor(step.fraction * 4) * 25} %` : statusWord(step);
    const key = `${word} ${step.message ?? ''}`;
    if (this.last.get(step.id) === key) return;
    this.last.set(step.id, key);
    this.write(line(step.id, this.width, word, details(step)));
  }

  private onLeg(group: Group, leg: StepView): void {
    const before = group.counts();
    const started = group.tally().startedAt !== undefined;
    group.set(leg);
    if (leg.status === 'failed' || leg.status === 'running_at_provider') this.write(line(leg.id, this.width, statusWord(leg), details(leg)));
    const counts = group.counts();
    if (counts === before || this.ended.has(group)) return;
    if (group.tally().final) {
      this.ended.add(group);
      this.dirty.delete(group);
      this.print(group);
    } else if (!started) this.print(group);
    else this.dirty.add(group);
  }

  private print(group: Group): void {
    this.last.set(group.step, group.counts());
    this.write(group.text(this.width));
    if (this.options.legs) for (const l of group.legLines('  ')) this.write(l);
  }

  /** Repeats the lines of the matrix steps whose counts moved since they were printed. */
  private flush(): void {
    for (const group of this.dirty) if (this.last.get(group.step) !== group.counts()) this.print(group);
    this.dirty.clear();
  }

  private write(text: string): void {
    this.stream.write(`${clock()} ${text}\n`);
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.flush();
  }
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** The part of listr2's task wrapper used here. */
interface Task {
  title: string;
  output: string;
  skip(message?: string): void;
}

/** How often a running step's elapsed time is redrawn. */
const TICK_MS = 1000;

/** A live list with one task per recipe step; a step of many legs is one task whose title counts them. */
class TerminalProgress implements ProgressView {
  private readonly tasks = new Map<Group, { task?: Task; settle?: (error?: Error) => void; final?: boolean }>();
  private readonly byLeg: Map<string, Group>;
  private readonly done: Promise<unknown>;
  private readonly width: number;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    steps: readonly StepView[],
    stream: NodeJS.WriteStream,
    private readonly options: ProgressOptions,
  ) {
    const { groups, byLeg, width } = groupsOf(steps);
    this.width = width;
    this.byLeg = byLeg;
    const list = new Listr(
      groups.map((group) => ({
        title: group.text(this.width),
        // Legs listed under a matrix step stay after it ends: the failed ones are what the user looks for.
        ...(group.many && options.legs ? { rendererOptions: { persistentOutput: true } } : {}),
        task: (_ctx: unknown, task: Task) =>
          new Promise<void>((resolve, reject) => {
            const entry = this.tasks.get(group)!;
            entry.task = task;
            entry.settle = (error) => (error ? reject(error) : resolve());
            if (entry.final) this.settle(group);
          }),
      })),
      {
        concurrent: true,
        exitOnError: false,
        collectErrors: false,
        registerSignalListeners: false,
        // listr2 looks at process.stdout; the list is drawn on our stream, already known to be a terminal.
        forceTTY: true,
        // The renderer draws through its logger, which writes to stdout unless told otherwise. Skips and
        // errors collapsed: their message (our title) replaces the title instead of repeating it below.
        rendererOptions: { collapseSkips: true, suffixSkips: false, collapseErrors: true, showErrorMessage: true, logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stream, stream) }) },
      } as ConstructorParameters<typeof Listr>[1],
    );
    for (const group of groups) this.tasks.set(group, {});
    this.done = list.run().catch(() => undefined);
    // Elapsed time moves on between events (a task polled for minutes sends none): redraw it.
    this.ticker = setInterval(() => {
      for (const [group, entry] of this.tasks) if (entry.task && !entry.final && group.tally().startedAt !== undefined) this.draw(group);
    }, TICK_MS);
    this.ticker.unref();
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'warning') return; // shown in the summary; a live list has no room for prose
    const group = this.byLeg.get(event.step.id);
    const entry = group && this.tasks.get(group);
    if (!group || !entry || entry.final) return;
    group.set(event.step);
    if (group.tally().final) {
      entry.final = true;
      if (entry.task) this.settle(group);
      return;
    }
    if (entry.task) this.draw(group);
  }

  private draw(group: Group): void {
    const task = this.tasks.get(group)!.task!;
    task.title = group.text(this.width);
    if (group.many && this.options.legs) task.output = group.legLines('').join('\n');
  }

  private settle(group: Group): void {
    const entry = this.tasks.get(group)!;
    this.draw(group);
    const title = entry.task!.title;
    const t = group.tally();
    if (t.failed) entry.settle!(new Error(title));
    // Nothing of it finished: a skipped step, a cancelled one, one left running at its provider.
    else if (t.succeeded + t.cached === 0) {
      entry.task!.skip(title);
      entry.settle!();
    } else entry.settle!();
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await this.done;
  }
}
