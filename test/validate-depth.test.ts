import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, validateJson } from './support/cli.js';

/** Deeply nested recipes get a positioned error, and never cost the other files their diagnostics. */
const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-depth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STEP = '  a: { uses: local/trim, with: { video: clip.mp4, duration: 1 } }';

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const good = write('good.yaml', `version: 1\nsteps:\n${STEP}\n`);
// Line 4 is `x-deep: [[[…`: the map is level 1, the first [ (col 9) level 2, so level 65 opens at col 72.
const flow = write('flow.yaml', `version: 1\nsteps:\n${STEP}\nx-deep: ${'['.repeat(800)}${']'.repeat(800)}\n`);
const unclosed = write('unclosed.yaml', `version: 1\nsteps:\n${STEP}\nx-deep: ${'['.repeat(800)}\n`);
// A block sequence nested 900 deep: the `-` on line 5 + i, at column 2i + 3, is level i + 2, so level 65 is on line 68.
const block = write('block.yaml', `version: 1\nsteps:\n${STEP}\nx-deep:\n${Array.from({ length: 900 }, (_, i) => `${' '.repeat(2 * (i + 1))}-`).join('\n')}\n`);
// In a step's parameters: root, steps, a, with (flow map), start: {a: at level 5, so level 65 opens at column 58 + 4 · 60.
const inWith = write('with.yaml', `version: 1\nsteps:\n  a: { uses: local/trim, with: { video: clip.mp4, start: ${'{a: '.repeat(1000)}1${'}'.repeat(1000)} } }\n`);

describe('nesting depth', () => {
  it('reports each too-deep file at the level past the limit, and every other file as before', () => {
    const { code, diagnostics } = validateJson([flow, good, block, unclosed, inWith], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => [d.file, d.line, d.col, d.rule])).toEqual([
      ['flow.yaml', 4, 72, 'too-deep'],
      ['block.yaml', 68, 129, 'too-deep'],
      ['unclosed.yaml', 4, 72, 'too-deep'],
      ['with.yaml', 3, 58 + 4 * 60, 'too-deep'],
    ]);
    for (const d of diagnostics) expect(d.message).toBe('lists and maps nested more than 64 levels deep, here; a recipe needs about 7, so the file was not read further');

    const text = runCli(['validate', flow, good, block], { cwd: dir });
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('good.yaml: valid (1 step)');
    expect(text.stdout).toContain('flow.yaml: 1 error');
    expect(text.stdout + text.stderr).not.toMatch(/call stack|RangeError|    at /);

    const github = runCli(['validate', '--format', 'github', good, block], { cwd: dir });
    expect(github.stdout).toBe(`::error file=block.yaml,line=68,col=129,endLine=68,endColumn=130,title=vidrecipe too-deep::lists and maps nested more than 64 levels deep, here; a recipe needs about 7, so the file was not read further\n`);
  });

  it('plan and run refuse a too-deep recipe with the same positioned error, exit 2', () => {
    for (const command of ['plan', 'run']) {
      const result = runCli([command, inWith, '--offline'], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^with\.yaml:3:298: error: lists and maps nested more than 64 levels deep, here; .* \[too-deep\]$/m);
      expect(result.stderr).not.toMatch(/call stack/);
    }
  });

  it('accepts 64 levels, the limit itself', () => {
    // root map (1) + x-deep's 63 brackets = 64
    const edge = write('edge.yaml', `version: 1\nsteps:\n${STEP}\nx-deep: ${'['.repeat(63)}${']'.repeat(63)}\n`);
    expect(validateJson([edge], { cwd: dir })).toEqual({ code: 0, diagnostics: [] });
    const over = write('over.yaml', `version: 1\nsteps:\n${STEP}\nx-deep: ${'['.repeat(64)}${']'.repeat(64)}\n`);
    expect(validateJson([over], { cwd: dir }).diagnostics.map((d) => [d.line, d.col, d.rule])).toEqual([[4, 72, 'too-deep']]);
  });

  it('aliases that expand a few lines into millions of values are an error at the first alias, in words', () => {
    const lines = [`version: 1\nsteps:\n${STEP}`, 'x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]'];
    for (let i = 1, prev = 'a'; i < 8; prev = `l${i}`, i++) lines.push(`x-l${i}: &l${i} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    const laughs = write('laughs.yaml', `${lines.join('\n')}\n`);
    const { code, diagnostics } = validateJson([laughs, good], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => [d.file, d.line, d.col, d.endCol, d.rule])).toEqual([['laughs.yaml', 5, 12, 14, 'yaml-syntax']]);
    expect(diagnostics[0]!.message).toMatch(/^aliases \(\*name\) expand to more than 1000 values in all, .* use fewer aliases or ones that do not nest$/);
  });

  it('a map used as a key ({{ … }} without the $) is an error at the value, not a Node warning on stderr', () => {
    const braces = write('braces.yaml', 'version: 1\nsteps:\n  a:\n    uses: local/trim\n    with:\n      video: {{ inputs.v }}\n      duration: 1\n');
    const result = runCli(['validate', braces, good], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('braces.yaml:6:14: error: {{ … }} reads as a map inside a map; an expression starts with $ and, inside [ ] or { }, is quoted: "${{ … }}" [yaml-syntax]');
    expect(result.stderr).toBe('');
  });
});
