import { describe, expect, it } from 'vitest';
import { interruptedTask } from '../../src/engine/interrupted-task.js';
import type { TaskRecord } from '../../src/engine/tasks.js';

const record = (change: Partial<TaskRecord>): TaskRecord => ({ key: 'k', step: 'remove', run: 'r1', backend: 'wavespeed', model: 'm', state: 'submitted', taskId: 't-9', intentAt: '2026-01-01T00:00:00Z', ...change });

describe('a step stopped by Ctrl-C', () => {
  it('whose task the provider accepted is running at the provider, with its id', () => {
    const ended = interruptedTask({ status: 'running', backend: 'wavespeed' }, record({}), 'r1');
    expect(ended).toMatchObject({ status: 'running_at_provider', taskId: 't-9' });
    expect(ended.message).toContain('wavespeed task t-9 is still running at the provider and will be billed');
  });

  it('that was downloading the result: finished there, and the next run only downloads it', () => {
    expect(interruptedTask({ status: 'downloading', backend: 'wavespeed' }, record({}), 'r1').message).toContain('finished at the provider; the next run downloads its result without paying again');
  });

  it('re-attached to an earlier run\'s task says which run submitted it', () => {
    expect(interruptedTask({ status: 'running', backend: 'wavespeed' }, record({ run: 'r0' }), 'r1').message).toContain('(submitted by run r0)');
  });

  it('cut off while its submit was in flight is cancelled, with the advice the next run will need', () => {
    const ended = interruptedTask({ status: 'submitting', backend: 'wavespeed' }, record({ state: 'intent', taskId: undefined }), 'r1');
    expect(ended.status).toBe('cancelled');
    expect(ended.message).toContain('--force remove');
  });

  it('with no task (a local step, or nothing sent yet) is simply cancelled', () => {
    expect(interruptedTask({ status: 'running', backend: 'local' }, undefined, 'r1')).toEqual({ status: 'cancelled', message: 'cancelled: the run was interrupted' });
    // another run's unanswered submit is not this run's doing
    expect(interruptedTask({ status: 'queued', backend: 'wavespeed' }, record({ state: 'intent', run: 'r0' }), 'r1').status).toBe('cancelled');
  });
});
