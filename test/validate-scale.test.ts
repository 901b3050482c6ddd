import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, validateJson } from './support/cli.js';

/**
 * Files with thousands of problems: validation stays linear in the file, each file lists its first 200
 * problems and counts the rest, and every position is still exact. (No test here measures time.)
 */
const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const HEAD = 'version: 1\nsteps:\n  a: { uses: local/trim, with: { video: clip.mp4, duration: 1 } }\n';
const EXPR = '${{ inputs.nope }}';

// 5,000 unknown inputs interpolated on one 96 KB line, after an emoji (one character, two UTF-16 units).
const PREFIX = '      labels: [x, "😀 ';
const interp = write('interp.yaml', `${HEAD}  b:\n    uses: local/compare\n    with:\n      videos: [clip.mp4, clip.mp4]\n${PREFIX}${Array(5000).fill(EXPR).join(' ')}"]\n`);
const good = write('good.yaml', HEAD);

describe('many problems in one file', () => {
  it('lists the first 200 at their exact columns, then one line counting the other 4,800', () => {
    const { code, diagnostics } = validateJson([interp, good], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics).toHaveLength(201);
    const first = [...PREFIX].length + 1;
    for (const [k, d] of diagnostics.slice(0, 200).entries()) {
      expect([d.line, d.col, d.endCol, d.rule]).toEqual([8, first + 19 * k, first + 19 * k + 18, 'reference']);
    }
    expect(diagnostics[0]!.message).toBe('unknown input "nope"; declare it under inputs:');
    const more = diagnostics[200]!;
    expect([more.file, more.line, more.col, more.severity, more.rule]).toEqual(['interp.yaml', 8, first + 19 * 200, 'error', 'too-many-problems']);
    expect(more.message).toBe('… and 4,800 more errors in this file, the first of them here; fix the ones above and validate again');
  });

  it('text output shows the cap and the true total, and the next file is still checked', () => {
    const text = runCli(['validate', interp, good], { cwd: dir });
    expect(text.code).toBe(2);
    expect(text.stdout.match(/\[reference\]$/gm)).toHaveLength(200);
    expect(text.stdout).toMatch(/^interp\.yaml:8:\d+: error: … and 4,800 more errors in this file, .* \[too-many-problems\]$/m);
    expect(text.stdout).toMatch(/^interp\.yaml: 5,000 errors$/m);
    expect(text.stdout).toMatch(/^good\.yaml: valid \(1 step\)$/m);
    // The excerpt is a window of the long line, its caret under the expression.
    const excerpt = text.stdout.split('\n').slice(1, 3);
    expect(excerpt[0]!.length).toBeLessThan(200);
    // (columns in characters: the emoji is one)
    expect(excerpt[1]!.indexOf('^')).toBe([...excerpt[0]!.slice(0, excerpt[0]!.indexOf('${{'))].length);
  });

  it('thousands of unclosed brackets: each error at its own bracket, capped, nothing lost', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `x-k${i}: [a, {b: c`);
    const brackets = write('brackets.yaml', `${HEAD}${lines.join('\n')}\n`);
    const { code, diagnostics } = validateJson([brackets, good], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics).toHaveLength(201);
    for (const [k, d] of diagnostics.slice(0, 200).entries()) {
      const i = k >> 1;
      const line = lines[i]!;
      expect([d.line, d.col]).toEqual([4 + i, (k % 2 ? line.indexOf('{') : line.indexOf('[')) + 1]);
    }
    expect(diagnostics[200]!.message).toMatch(/^… and 5,800 more errors in this file/);
  });

  it('20,000 duplicate keys are each found once, in one pass', () => {
    const dups = write('dups.yaml', `${HEAD}x-d:\n${'  k: 1\n'.repeat(20_000)}`);
    const text = runCli(['validate', dups], { cwd: dir });
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^dups\.yaml:6:3: error: duplicate key "k" in this map: the later one would silently win; remove or rename one of them \[duplicate-key\]$/m);
    expect(text.stdout).toMatch(/^dups\.yaml: 19,999 errors$/m);
    expect(text.stdout).toContain('… and 19,799 more errors in this file');
  });

  it('plan and run list at most 200 problems too, capped once, in source order', () => {
    const steps = Array.from({ length: 300 }, (_, i) => `  s${i}: { uses: local/trim, with: { video: clip.mp4, duration: "\${{ inputs.d }}" } }`);
    const many = write('plan-many.yaml', `version: 1\ninputs:\n  d: { type: number }\nsteps:\n${steps.join('\n')}\n`);
    for (const args of [['plan'], ['run', '--offline']]) {
      const result = runCli([...args, many, '--input', 'd=-1'], { cwd: dir });
      expect(result.code).toBe(2);
      const problems = result.stderr.split('\n').filter((l) => /^plan-many\.yaml:\d+:\d+: (error|warning): /.test(l));
      expect(problems).toHaveLength(201);
      expect(problems.filter((l) => l.endsWith('[input-value]')).length).toBeGreaterThanOrEqual(100);
      expect(problems[200]).toMatch(/: error: … and \d+ more (errors|problems) .*\[too-many-problems\]$/);
      const lines = problems.map((l) => Number(l.split(':')[1]));
      expect(lines).toEqual([...lines].sort((a, b) => a - b));
    }
  });
});
