import { describe, expect, it } from 'vitest';
import { stepTimeline } from '../../src/engine/report-timeline.js';

describe('stepTimeline', () => {
  it('turns status changes into spans from the run start, waiting first, ended by the final status', () => {
    const spans = stepTimeline(
      {
        phases: [
          { status: 'queued', at: 1100 },
          { status: 'uploading', at: 1200 },
          { status: 'submitting', at: 1500 },
          { status: 'running', at: 1600 },
          { status: 'downloading', at: 2600 },
          { status: 'succeeded', at: 2700 },
        ],
        endedAt: 2700,
      },
      1000,
      3000,
    );
    expect(spans).toEqual([
      { phase: 'waiting', from_ms: 0, to_ms: 100 },
      { phase: 'queued', from_ms: 100, to_ms: 200 },
      { phase: 'uploading', from_ms: 200, to_ms: 500 },
      { phase: 'submitting', from_ms: 500, to_ms: 600 },
      { phase: 'running', from_ms: 600, to_ms: 1600 },
      { phase: 'downloading', from_ms: 1600, to_ms: 1700 },
    ]);
  });

  it('a retry back into the phase it just left is one span; a step that never started waits to the run end', () => {
    expect(
      stepTimeline({ phases: [{ status: 'running', at: 0 }, { status: 'running', at: 50 }, { status: 'failed', at: 90 }] }, 0, 100),
    ).toEqual([{ phase: 'running', from_ms: 0, to_ms: 90 }]);
    expect(stepTimeline({}, 0, 100)).toEqual([{ phase: 'waiting', from_ms: 0, to_ms: 100 }]);
  });
});
