import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultConfig, type EngineConfig } from '../../src/engine/config.js';
import type { RunEvent } from '../../src/engine/events.js';
import { runPlan, type RunOptions, type RunResult } from '../../src/engine/run.js';
import { planRecipe, type Plan } from '../../src/graph/plan.js';
import type { Backend } from '../../src/models/types.js';
import type { ExecContext, Executor, ExecutorLookup, LocalExecutor, RemoteExecutor } from '../../src/providers/types.js';
import { loadRecipe } from '../../src/recipe/load.js';

/** A folder with a recipe, two small "media" files and a state dir: engine tests need no real video. */
export function workspace(recipe: string): { dir: string; file: string; stateDir: string; outDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-engine-'));
  mkdirSync(join(dir, 'media'));
  writeFileSync(join(dir, 'media', 'a.mp4'), 'clip a');
  writeFileSync(join(dir, 'media', 'b.mp4'), 'clip b');
  const file = join(dir, 'recipe.yaml');
  writeFileSync(file, recipe);
  return { dir, file, stateDir: join(dir, 'state'), outDir: join(dir, 'out') };
}

export function planOf(file: string, options: { inputs?: string[]; env?: Record<string, string> } = {}): Plan {
  const loaded = loadRecipe(file);
  if (!loaded.recipe || !loaded.source) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  const plan = planRecipe(loaded.recipe, loaded.source, { inputs: options.inputs, env: options.env ?? { WAVESPEED_API_KEY: 'k', DASHSCOPE_API_KEY: 'k' } });
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('\n'));
  return plan;
}

/** Records what executors were asked to do, and how many ran at once. */
export class Calls {
  readonly runs: { step: string; params: Record<string, unknown> }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  count(step: string): number {
    return this.runs.filter((r) => r.step === step).length;
  }
  enter(ctx: ExecContext): void {
    this.runs.push({ step: ctx.stepId, params: ctx.params });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }
  leave(): void {
    this.inFlight--;
  }
}

export interface FakeBehaviour {
  /** ms each call takes (honouring the abort signal). */
  delayMs?: number;
  /** Fail the first N calls of these steps. */
  failFirst?: Record<string, number>;
}

/**
 * A local executor for any model: writes a small `video` and `image` file (the engine keeps the ones the
 * model declares) whose bytes depend on the step's parameters (media inputs by content), so equal inputs give equal outputs, as real steps do.
 */
export function fakeLocal(calls: Calls, behaviour: FakeBehaviour = {}): LocalExecutor {
  const failures = new Map<string, number>();
  return {
    kind: 'local',
    async run(ctx) {
      calls.enter(ctx);
      try {
        if (behaviour.delayMs) await sleep(behaviour.delayMs, undefined, { signal: ctx.signal });
        const failed = failures.get(ctx.stepId) ?? 0;
        if (failed < (behaviour.failFirst?.[ctx.stepId] ?? 0)) {
          failures.set(ctx.stepId, failed + 1);
          throw new Error(`simulated failure ${failed + 1} of ${ctx.stepId}`);
        }
        return { outputs: await writeOutputs(ctx, { video: 'video', image: 'image' }) };
      } finally {
        calls.leave();
      }
    },
  };
}

async function writeOutputs(ctx: ExecContext, outputs: Record<string, 'video' | 'image'>): Promise<Record<string, string>> {
  const media: string[] = [];
  for (const value of Object.values(ctx.params).flat()) {
    if (typeof value === 'string' && value.startsWith('/')) media.push(await readFile(value, 'utf8').catch(() => value));
  }
  const isPath = (v: unknown) => typeof v === 'string' && v.startsWith('/');
  const scalars = Object.entries(ctx.params).filter(([, v]) => !isPath(v) && !(Array.isArray(v) && v.every(isPath)));
  const result: Record<string, string> = {};
  for (const [name, kind] of Object.entries(outputs)) {
    const file = join(ctx.workDir, `${name}${kind === 'image' ? '.png' : '.mp4'}`);
    await writeFile(file, JSON.stringify({ name, media, scalars }));
    result[name] = file;
  }
  return result;
}

/** A hosted model: submit returns a task id, wait finishes after `taskMs` unless `hang` keeps it open. */
export class FakeRemote implements RemoteExecutor {
  readonly kind = 'remote' as const;
  readonly submitted: string[] = [];
  readonly waited: string[] = [];
  hang = false;
  submitError?: Error;
  constructor(
    private readonly calls: Calls,
    private readonly taskMs = 5,
  ) {}
  async submit(ctx: ExecContext) {
    if (this.submitError) throw this.submitError;
    const taskId = `task-${this.submitted.length + 1}`;
    this.submitted.push(taskId);
    void ctx;
    return { taskId };
  }
  async wait(taskId: string, ctx: ExecContext) {
    this.waited.push(taskId);
    this.calls.enter(ctx);
    try {
      if (this.hang) await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      await sleep(this.taskMs, undefined, { signal: ctx.signal });
      return { outputs: await writeOutputs(ctx, { video: 'video' }), costUsd: 0.15 };
    } finally {
      this.calls.leave();
    }
  }
}

/** Executors by backend: every local model gets `local`, every remote model on its provider gets `remote`. */
export function lookup(local: Executor, remote?: Executor): ExecutorLookup {
  return (_model: string, backend: Backend) => (backend === 'local' ? local : remote);
}

export async function run(plan: Plan, ws: { stateDir: string; outDir: string }, options: Partial<RunOptions> & { executors: ExecutorLookup; config?: EngineConfig }): Promise<RunResult & { events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const result = await runPlan(plan, {
    stateDir: ws.stateDir,
    outDir: ws.outDir,
    config: options.config ?? defaultConfig(),
    retryDelayMs: 1,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { ...result, events };
}

export function statuses(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [s.id, s.status]));
}
