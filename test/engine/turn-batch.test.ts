import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../../src/engine/fleet/turn-batch.js';

describe('TurnBatch', () => {
  it('handles what is asked in one turn of the event loop in one call, each asker getting its own result', async () => {
    const calls: number[][] = [];
    const batch = new TurnBatch<number, number>(async (items) => (calls.push([...items]), items.map((n) => n * 10)));
    const first = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    expect(first).toEqual([10, 20, 30]);
    // Asked later: a call of its own.
    expect(await batch.add(4)).toBe(40);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it("gives every asker of a failed call the call's error, and the next turn starts afresh", async () => {
    let fail = true;
    const batch = new TurnBatch<string, string>(async (items) => {
      if (fail) throw new Error('Redis away');
      return items.map((s) => s.toUpperCase());
    });
    const asked = [batch.add('a'), batch.add('b')];
    for (const answer of asked) await expect(answer).rejects.toThrow('Redis away');
    fail = false;
    expect(await batch.add('c')).toBe('C');
  });
});
