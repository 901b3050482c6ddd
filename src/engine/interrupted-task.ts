import type { StepStatus, StepView } from './events.js';
import type { TaskRecord } from './tasks.js';
import { forceFlag } from './legs.js';

/** How a step stopped by Ctrl-C ends: cancelled here, or still going on (and billed) at its provider. */
export interface InterruptedStep {
  status: Extract<StepStatus, 'cancelled' | 'running_at_provider'>;
  message: string;
  taskId?: string;
}

/**
 * Ctrl-C stops our polling, not the provider: a task it accepted runs on and is paid for. Such a step
 * is not "cancelled"; the task record stays, so the next run of the same step re-attaches to it (or
 * downloads its result) instead of submitting again. `open` is the step's task record, if any.
 */
export function interruptedTask(view: Pick<StepView, 'status' | 'backend'>, open: TaskRecord | undefined, run: string): InterruptedStep {
  if (open?.state === 'submitted' && open.taskId) {
    const task = `${open.backend} task ${open.taskId}${open.run === run ? '' : ` (submitted by run ${open.run})`}`;
    const message =
      view.status === 'downloading'
        ? `interrupted while downloading: ${task} finished at the provider; the next run downloads its result without paying again`
        : `interrupted: ${task} is still running at the provider and will be billed; the next run re-attaches to it instead of submitting again`;
    return { status: 'running_at_provider', message, taskId: open.taskId };
  }
  if (open?.state === 'intent' && open.run === run) {
    return { status: 'cancelled', message: `cancelled while submitting to ${open.backend}: the provider may have the task without our knowing its id; check its task list before running again with ${forceFlag(open.step)}` };
  }
  return { status: 'cancelled', message: 'cancelled: the run was interrupted' };
}
