import { describe, expect, it } from 'vitest';
import { runJson, runSummary } from '../../src/cli/format/run.js';
import type { StepView } from '../../src/engine/events.js';
import type { RunResult } from '../../src/engine/run.js';

const view = (id: string, change: Partial<StepView> = {}): StepView => ({
  id,
  step: id,
  uses: 'wavespeed-ai/void-video-inpainting/mask',
  backend: 'wavespeed',
  status: 'succeeded',
  attempts: 1,
  estimatedCostUsd: 0.1,
  costUsd: 0.1,
  outputs: { video: { kind: 'video', digest: `d-${id}`, path: `/state/cache/objects/d-${id}`, ext: '.mp4' } },
  warnings: [],
  ...change,
});

/** `remove` over 300 shots: 40 cached, 14 failed, one skipped; then `reel` (one leg, skipped). */
function batch(): RunResult {
  const legs = Array.from({ length: 300 }, (_, i) => {
    const shot = `s${String(i).padStart(3, '0')}`;
    const id = `remove[shot=${shot}]`;
    const base = { step: 'remove', matrix: { shot } };
    if (i < 40) return view(id, { ...base, status: 'cached', costUsd: 0, attempts: 0, cachedFrom: 'r0' });
    if (i % 20 === 5) return view(id, { ...base, status: 'failed', outputs: {}, error: `HTTP 400: bad mask ${shot}\nbody`, costUsd: 0 });
    if (i === 299) return view(id, { ...base, status: 'cancelled', outputs: {}, costUsd: 0, attempts: 0, message: 'cancelled' });
    return view(id, base);
  });
  const reel = view('reel', { uses: 'local/concat', backend: 'local', status: 'skipped', outputs: {}, costUsd: 0, attempts: 0, message: 'skipped: needs "remove[shot=s045]", which failed' });
  return { runId: 'r1', status: 'failed', costUsd: 24.5, startedAt: 0, endedAt: 65_000, steps: [view('cut', { uses: 'local/trim', backend: 'local', costUsd: 0 }), ...legs, reel], outputs: {}, runDir: '/proj/.vidrecipe/runs/r1', firstFailure: 'remove[shot=s105]', errors: [] };
}

describe('run --json with matrix legs', () => {
  it('keeps steps keyed by leg id, each matrix leg naming its step and values; groups count the matrix steps', () => {
    const json = runJson(batch());
    expect(Object.keys(json.steps)).toHaveLength(302);
    expect(json.steps['remove[shot=s045]']).toMatchObject({ step: 'remove', matrix: { shot: 's045' }, status: 'failed', error: 'HTTP 400: bad mask s045\nbody' });
    expect(json.steps['remove[shot=s299]']).toMatchObject({ step: 'remove', status: 'skipped', reason: 'cancelled' });
    // an ordinary step looks as it did before batches
    expect(Object.keys(json.steps.cut!)).toEqual(['status', 'backend', 'outputs', 'cost_usd', 'attempts']);
    expect(json.groups).toEqual({
      remove: {
        legs: 300,
        succeeded: 246,
        cached: 40,
        failed: 13,
        skipped: 1,
        cost_usd: 24.6,
        failed_legs: Array.from({ length: 13 }, (_, k) => `remove[shot=s${String(45 + 20 * k).padStart(3, '0')}]`),
      },
    });
  });

  it('has no groups when no step has a matrix', () => {
    const json = runJson({ ...batch(), steps: [view('cut'), view('join')] });
    expect(json).not.toHaveProperty('groups');
  });
});

describe('the run summary with matrix legs', () => {
  it('names the first failed legs of a step (the first failure first), counts the rest, and says a re-run redoes only them', () => {
    const text = runSummary(batch(), '/proj');
    const lines = text.split('\n');
    expect(lines[0]).toBe('error: step "remove": 13 of 300 legs failed:');
    expect(lines[1]).toBe('  remove[shot=s105]: HTTP 400: bad mask s105');
    expect(lines[2]).toBe('  remove[shot=s045]: HTTP 400: bad mask s045');
    expect(lines.slice(1, 11).every((l) => /^ {2}remove\[shot=s\d{3}\]: HTTP 400/.test(l))).toBe(true);
    expect(lines[11]).toBe('  … and 3 more (every one in report.json)');
    expect(lines[12]).toBe('  a re-run redoes only the failed legs (and what needs them); the 286 that finished come from the cache');
    expect(text).toContain('run r1 failed in 1 min 5 s · 3 steps (302 legs): 247 ran, 40 cached, 13 failed, 2 not run · cost $24.50');
  });

  it('a run of ordinary steps reads as before', () => {
    const result: RunResult = { ...batch(), steps: [view('cut', { status: 'failed', error: 'boom\nmore', outputs: {} }), view('join', { status: 'skipped', outputs: {} })], firstFailure: 'cut', costUsd: 0 };
    const text = runSummary(result, '/proj');
    expect(text.split('\n').slice(0, 2)).toEqual(['error: step "cut" failed: boom\nmore'.split('\n')[0], 'more']);
    expect(text).toContain('· 2 steps: 0 ran, 0 cached, 1 failed, 1 not run · cost $0.00');
  });
});

describe('the run summary says what the out folder holds', () => {
  const ok = (): RunResult => ({ ...batch(), status: 'succeeded', steps: [view('cut')], firstFailure: undefined });
  it('nothing more when it holds this run\'s every output', () => {
    expect(runSummary({ ...ok(), outFolder: { dir: '/proj/out/x', replaced: true, run: 'r1', missing: [] } }, '/proj')).not.toContain('out:');
  });
  it('the outputs missing from a failed run\'s, and that no earlier run\'s file is in their place', () => {
    const text = runSummary({ ...ok(), status: 'failed', outFolder: { dir: '/proj/out/x', replaced: true, run: 'r1', missing: ['review'] } }, '/proj');
    expect(text).toContain("out: out/x holds this run's outputs only: review is missing (its step did not finish), and no file of an earlier run is left in its place");
  });
  it('whose outputs it still holds when this run published none', () => {
    const text = runSummary({ ...ok(), status: 'interrupted', outFolder: { dir: '/proj/out/x', replaced: false, run: 'r0', missing: [] } }, '/proj');
    expect(text).toContain('out: out/x left as it was (the run was interrupted): it holds the outputs of run r0');
  });
});

describe('a matrix output in the summary', () => {
  it('is its folder and how many files it holds', () => {
    const result: RunResult = { ...batch(), outputs: { video: { file: '/proj/out/x/video', kind: 'video', digest: '', step: 'remove', legs: [{ leg: 'a', file: '/proj/out/x/video/shot=a/video.mp4', digest: 'd' }, { leg: 'b', file: '/proj/out/x/video/shot=b/video.mp4', digest: 'e' }] } } };
    expect(runSummary(result, '/proj')).toContain('outputs:\n  video  out/x/video/ (2 files, one per leg)\n');
    expect(runJson(result).outputs).toEqual({ video: '/proj/out/x/video' });
  });
});
