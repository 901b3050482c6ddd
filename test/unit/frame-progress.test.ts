import { describe, expect, it } from 'vitest';
import { frameProgress } from '../../src/providers/local/progress.js';
import type { StepProgress } from '../../src/providers/types.js';
import { execContext } from '../support/media.js';

function reports(total: number, written: number): StepProgress[] {
  const { ctx, progress } = execContext('/nonexistent', {});
  const report = frameProgress(ctx, total);
  for (let i = 1; i <= written; i++) report(i);
  return progress;
}

describe('frame progress', () => {
  it('reports at most every 2 % and always the end, whatever the total', () => {
    for (const total of [1, 7, 51, 81, 150, 399, 10_000]) {
      const seen = reports(total, total).map((p) => p.fraction!);
      expect(seen.at(-1), `total ${total}`).toBe(1);
      expect(seen.length).toBeLessThanOrEqual(51);
      for (let i = 1; i < seen.length - 1; i++) expect(seen[i]! - seen[i - 1]!).toBeGreaterThanOrEqual(0.02);
    }
  });

  it('says nothing for an unknown total, and nothing past the end', () => {
    expect(reports(0, 20)).toEqual([]);
    expect(reports(10, 30).filter((p) => p.fraction === 1)).toHaveLength(1);
  });
});
