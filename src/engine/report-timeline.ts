import type { StepStatus, StepView } from './events.js';

/** The phases a step spends time in; the final statuses end its bar. */
export type TimelinePhase = 'waiting' | 'queued' | 'uploading' | 'submitting' | 'running' | 'downloading';

/** One stretch of a step's time, in ms from the run's start. */
export interface TimelineSpan {
  phase: TimelinePhase;
  from_ms: number;
  to_ms: number;
}

const PHASES: ReadonlySet<StepStatus> = new Set<TimelinePhase>(['waiting', 'queued', 'uploading', 'submitting', 'running', 'downloading']);

/**
 * Where a step's time went: waiting for what it needs (from the run's start), queued for a slot,
 * uploading, submitting, running, downloading, each from the status changes the run recorded. A cached
 * or skipped step has only its wait.
 */
export function stepTimeline(step: Pick<StepView, 'phases' | 'endedAt'>, runStart: number, runEnd: number): TimelineSpan[] {
  const changes = step.phases ?? [];
  const spans: TimelineSpan[] = [];
  let phase: StepStatus = 'waiting';
  let from = runStart;
  const close = (at: number) => {
    if (PHASES.has(phase) && at > from) {
      const last = spans.at(-1);
      // A retry goes back to a phase it was just in: one span, not two touching ones.
      if (last && last.phase === phase && last.to_ms === from - runStart) last.to_ms = at - runStart;
      else spans.push({ phase: phase as TimelinePhase, from_ms: from - runStart, to_ms: at - runStart });
    }
  };
  for (const change of changes) {
    close(change.at);
    phase = change.status;
    from = change.at;
  }
  close(step.endedAt ?? runEnd);
  return spans;
}
