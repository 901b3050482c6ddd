import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { formatMs } from '../recipe/duration.js';
import { FINAL_STATUSES, type RunEvent, type StepView } from '../engine/events.js';
import { usd } from '../models/price.js';

/** Shows a run's progress on stderr; stdout stays free for `--json` and pipes. */
export interface ProgressView {
  onEvent(event: RunEvent): void;
  close(): Promise<void>;
}

/** Listr2 at a terminal, plain lines anywhere else (CI logs, pipes, files). */
export function progressView(steps: readonly StepView[], stream: NodeJS.WriteStream = process.stderr): ProgressView {
  // A terminal of unknown width (some CI pseudo-terminals) would make the live list wrap every character.
  const live = stream.isTTY && process.env.TERM !== 'dumb' && (stream.columns ?? 0) > 0;
  return live ? new TerminalProgress(steps, stream) : new LineProgress(steps, stream);
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

class LineProgress implements ProgressView {
  private readonly width: number;
  private readonly last = new Map<string, string>();

  constructor(
    steps: readonly StepView[],
    private readonly stream: NodeJS.WriteStream,
  ) {
    this.width = Math.max(...steps.map((s) => s.id.length), 4);
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'warning') {
      this.stream.write(`${clock()} ${(event.step ?? '').padEnd(this.width)}  warning: ${event.message}\n`);
      return;
    }
    const step = event.step;
    // One line per change of state, and per quarter of progress: a log, not an animation.
    const word = step.status === 'running' && step.fraction !== undefined ? `running ${Math.floor(step.fraction * 4) * 25} %` : statusWord(step);
    const key = `${word} ${step.message ?? ''}`;
    if (this.last.get(step.id) === key) return;
    this.last.set(step.id, key);
    const more = details(step);
    this.stream.write(`${clock()} ${step.id.padEnd(this.width)}  ${word}${more ? `  ${more}` : ''}\n`);
  }

  async close(): Promise<void> {}
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** The part of listr2's task wrapper used here. */
interface Task {
  title: string;
  skip(message?: string): void;
}

/** How often a running step's elapsed time is redrawn. */
const TICK_MS = 1000;

class TerminalProgress implements ProgressView {
  private readonly tasks = new Map<string, { task?: Task; settle?: (error?: Error) => void; final?: StepView; live?: StepView }>();
  private readonly done: Promise<unknown>;
  private readonly width: number;
  private readonly ticker: NodeJS.Timeout;

  constructor(steps: readonly StepView[], stream: NodeJS.WriteStream) {
    this.width = Math.max(...steps.map((s) => s.id.length), 4);
    const list = new Listr(
      steps.map((step) => ({
        title: `${step.id.padEnd(this.width)}  waiting`,
        task: (_ctx: unknown, task: Task) =>
          new Promise<void>((resolve, reject) => {
            const entry = this.tasks.get(step.id)!;
            entry.task = task;
            entry.settle = (error) => (error ? reject(error) : resolve());
            if (entry.final) this.settle(entry.final);
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
    for (const step of steps) this.tasks.set(step.id, {});
    this.done = list.run().catch(() => undefined);
    // Elapsed time moves on between events (a task polled for minutes sends none): redraw it.
    this.ticker = setInterval(() => {
      for (const entry of this.tasks.values()) if (entry.live && entry.task && !entry.final) entry.task.title = this.title(entry.live);
    }, TICK_MS);
    this.ticker.unref();
  }

  private title(step: StepView): string {
    const more = details(step);
    return `${step.id.padEnd(this.width)}  ${statusWord(step)}${more ? `  ${more}` : ''}`;
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'warning') return; // shown in the summary; a live list has no room for prose
    const step = event.step;
    const entry = this.tasks.get(step.id);
    if (!entry) return;
    if (FINAL_STATUSES.has(step.status)) {
      entry.final = step;
      if (entry.task) this.settle(step);
      return;
    }
    entry.live = { ...step };
    if (entry.task) entry.task.title = this.title(entry.live);
  }

  private settle(step: StepView): void {
    const entry = this.tasks.get(step.id)!;
    const title = this.title(step);
    entry.task!.title = title;
    if (step.status === 'failed') entry.settle!(new Error(title));
    else if (step.status === 'skipped' || step.status === 'cancelled' || step.status === 'running_at_provider') {
      entry.task!.skip(title);
      entry.settle!();
    } else entry.settle!();
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await this.done;
  }
}
