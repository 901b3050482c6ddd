import { describe, expect, it } from 'vitest';
import { Handoff } from '../../src/media/inpaint/handoff.js';
import { PassProgress } from '../../src/media/inpaint/pass-progress.js';

describe('Handoff', () => {
  it('hands items over in order, through many adds and takes', () => {
    const handoff = new Handoff<number>(1000);
    const taken: number[] = [];
    // Interleaved so the queue both grows and is compacted (past 64 taken items).
    for (let i = 0; i < 300; i++) {
      handoff.add(i, 3);
      if (i % 3 !== 0) taken.push(handoff.take()!);
    }
    expect(handoff.length).toBe(300 - taken.length);
    while (handoff.length) taken.push(handoff.take()!);
    expect(taken).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(handoff.take()).toBeUndefined();
  });

  it('counts only what is waiting against the budget, and drops everything once it is exceeded', () => {
    const handoff = new Handoff<string>(10);
    handoff.add('a', 4);
    handoff.add('b', 4);
    expect(handoff.take()).toBe('a');
    // 4 waiting + 6 = 10: still within.
    handoff.add('c', 6);
    expect(handoff.overflowed).toBe(false);
    handoff.add('d', 1);
    expect(handoff.overflowed).toBe(true);
    expect(handoff.length).toBe(0);
    expect(handoff.take()).toBeUndefined();
    // Nothing is kept after the drop: the receiver has to make its own from here on…
    handoff.add('e', 1);
    expect(handoff.take()).toBeUndefined();
    // … until the sender resumes, with the budget whole again.
    handoff.resume();
    handoff.add('f', 10);
    expect(handoff.overflowed).toBe(false);
    expect(handoff.peek()).toBe('f');
    expect(handoff.take()).toBe('f');
    expect(handoff.peek()).toBeUndefined();
  });
});

describe('PassProgress', () => {
  it('wakes a waiter on each change and passes a failure on', async () => {
    const progress = new PassProgress();
    const seen: number[] = [];
    const waiter = (async () => {
      while (progress.frames < 3) {
        await progress.changed();
        seen.push(progress.frames);
      }
    })();
    for (let i = 0; i < 3; i++) {
      await Promise.resolve();
      progress.advance();
    }
    await waiter;
    expect(seen.at(-1)).toBe(3);

    const failing = progress.changed();
    progress.fail(new Error('decoder died'));
    await expect(failing).rejects.toThrow('decoder died');
    await expect(progress.changed()).rejects.toThrow('decoder died');
  });

  it('resolves at once when finished, and reports being blocked as a change', async () => {
    const progress = new PassProgress();
    const blocked = progress.changed();
    progress.setBlocked(true);
    await blocked;
    expect(progress.blocked).toBe(true);
    progress.finish();
    await progress.changed();
    expect(progress.finished).toBe(true);
  });
});
