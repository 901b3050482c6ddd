import type { RunStatus, StepStatus } from './events.js';

/** The icon of a run's or a step's status, one map for report.md and report.html so they cannot disagree. */
export const STATUS_ICON: Record<StepStatus | RunStatus, string> = {
  succeeded: '✅',
  cached: '♻️',
  failed: '❌',
  skipped: '⏭️',
  cancelled: '⏹️',
  interrupted: '⏹️',
  running_at_provider: '⏳',
  waiting: '…',
  queued: '…',
  uploading: '…',
  submitting: '…',
  running: '…',
  downloading: '…',
};
