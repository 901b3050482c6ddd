// `vidrecipe run` with a hosted model faked by files, for tests that kill the process mid-task.
// Usage: TASKS_DIR=… node remote-runner.mjs <recipe> [--force STEP]
// submit appends to $TASKS_DIR/submits.log and returns task-N; wait polls until $TASKS_DIR/task-N.done
// exists (the test decides when the provider finishes), then returns a copy of the step's video.
import { appendFileSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../../dist/cli/run.js';
import { defaultExecutors } from '../../dist/providers/registry.js';

const tasks = process.env.TASKS_DIR;
const log = join(tasks, 'submits.log');

const remote = {
  kind: 'remote',
  async submit() {
    const n = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length + 1 : 1;
    appendFileSync(log, `task-${n}\n`);
    return { taskId: `task-${n}` };
  },
  async wait(taskId, ctx) {
    ctx.progress({ state: 'running', message: 'PROCESSING' });
    while (!existsSync(join(tasks, `${taskId}.done`))) await sleep(25, undefined, { signal: ctx.signal });
    const out = join(ctx.workDir, 'video.mp4');
    copyFileSync(ctx.params.video, out);
    return { outputs: { video: out }, costUsd: 0.15 };
  },
};

const [recipe, ...rest] = process.argv.slice(2);
const force = rest[0] === '--force' ? [rest[1]] : [];
process.exitCode = await runCommand(
  recipe,
  { input: [], offline: false, stateDir: '.vidrecipe', cache: true, force, json: true },
  (model, backend) => (backend === 'wavespeed' ? remote : defaultExecutors(model, backend)),
);
