import { describe, expect, it } from 'vitest';
import { findExpressions, wholeExpression } from '../../src/recipe/expression.js';
import { parseDuration } from '../../src/recipe/duration.js';
import { closest } from '../../src/recipe/suggest.js';

describe('expressions', () => {
  it('finds references with their offsets, whole or embedded', () => {
    expect(findExpressions('${{ inputs.video }}')).toEqual([{ start: 0, end: 19, ref: { context: 'inputs', name: 'video' } }]);
    const text = 'cut at ${{inputs.t}}s from ${{ steps.a-1.outputs.video }}';
    expect(findExpressions(text).map((m) => [text.slice(m.start, m.end), m.ref])).toEqual([
      ['${{inputs.t}}', { context: 'inputs', name: 't' }],
      ['${{ steps.a-1.outputs.video }}', { context: 'steps', step: 'a-1', output: 'video' }],
    ]);
    expect(wholeExpression('  ${{ inputs.x }} ')?.ref).toEqual({ context: 'inputs', name: 'x' });
    expect(wholeExpression('a ${{ inputs.x }}')).toBeUndefined();
    expect(wholeExpression(3)).toBeUndefined();
  });

  it('explains malformed expressions', () => {
    expect(findExpressions('${{ }}')[0]!.error).toMatch(/empty expression/);
    expect(findExpressions('${{ steps.a }}')[0]!.error).toBe('"steps.a" does not name an output: write ${{ steps.a.outputs.NAME }}');
    expect(findExpressions('${{ secrets.KEY }}')[0]!.error).toMatch(/unknown context "secrets"/);
    expect(findExpressions('x ${{ inputs.a ')[0]).toEqual({ start: 2, end: 15, error: 'unterminated expression: close it with }}' });
    expect(findExpressions('plain text')).toEqual([]);
  });
});

describe('durations', () => {
  it('reads seconds and unit text', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('10 minutes')).toBeUndefined();
    expect(parseDuration(0)).toBeUndefined();
  });
});

describe('did-you-mean', () => {
  it('suggests close names only', () => {
    expect(closest('promt', ['prompt', 'video'])).toBe('prompt');
    expect(closest('nedds', ['needs', 'uses'])).toBe('needs');
    expect(closest('Video', ['video'])).toBe('video');
    expect(closest('zzzzzz', ['prompt', 'video'])).toBeUndefined();
  });
});
