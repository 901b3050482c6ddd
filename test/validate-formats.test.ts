import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, validateJson, type JsonDiagnostic } from './support/cli.js';

const DIR = 'test/fixtures/invalid';
const VALID = 'recipes/remove-outpaint-extend.yaml';
const ANSI = /\u001b\[/;

/** One diagnostic of the text format: its header line, and the excerpt lines when there are any. */
interface TextBlock {
  header: string;
  source?: string;
  caret?: string;
}

/** Splits text output into diagnostic blocks (a header, then ` N | line` and `   | ^~~`) and the rest. */
function parseText(stdout: string): { blocks: TextBlock[]; rest: string[] } {
  const lines = stdout.split('\n');
  const blocks: TextBlock[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\S.*:\d+:\d+: (error|warning): /.test(line)) {
      const block: TextBlock = { header: line };
      if (/^ *\d+ \| /.test(lines[i + 1] ?? '') && /^ +\| /.test(lines[i + 2] ?? '')) {
        block.source = lines[i + 1];
        block.caret = lines[i + 2];
        i += 2;
      }
      blocks.push(block);
    } else {
      rest.push(line);
    }
  }
  return { blocks, rest };
}

/** The source text shown in an excerpt, and the 0-based column where the caret sits under it. */
function caretUnder(block: TextBlock): { text: string; at: number; width: number } {
  const bar = block.source!.indexOf(' | ');
  expect(block.caret!.indexOf(' | '), 'the caret line has its bar where the source line has it').toBe(bar);
  const text = block.source!.slice(bar + 3);
  const marks = block.caret!.slice(bar + 3);
  const m = /^( *)(\^~*)$/.exec(marks);
  expect(m, `caret line ${JSON.stringify(block.caret)}`).not.toBeNull();
  return { text, at: m![1]!.length, width: m![2]!.length };
}

describe('text format', () => {
  const expressions = `${DIR}/expressions.yaml`;
  const result = runCli(['validate', expressions]);
  const { blocks, rest } = parseText(result.stdout);
  const json = validateJson([expressions]).diagnostics;

  it('exits 2 and prints no colour codes (NO_COLOR, no TTY)', () => {
    expect(result.code).toBe(2);
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stderr).toBe('');
  });

  it('prints `file:line:col: severity: message [rule]` for every diagnostic, in order', () => {
    expect(blocks.map((b) => b.header)).toEqual(json.map((d) => `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.rule}]`));
    expect(blocks[0]!.header).toBe(
      'test/fixtures/invalid/expressions.yaml:12:14: error: unknown context "input" in "input.video"; did you mean "inputs"?: an expression reads inputs.NAME, steps.ID.outputs.NAME or matrix.NAME [expression]',
    );
  });

  it('shows the source line with its number under each header', () => {
    const source = readFileSync(join(ROOT, expressions), 'utf8').split('\n');
    for (const [i, block] of blocks.entries()) {
      const d = json[i]!;
      expect(block.source).toBe(`${` ${d.line}`} | ${source[d.line - 1]}`);
    }
  });

  it('puts the caret under the `${{` of each expression, as wide as the expression', () => {
    const widths = ['${{ input.video }}'.length, '${{ steps.remove.video }}'.length, '${{ inputs.video'.length];
    for (const [i, block] of blocks.entries()) {
      const { text, at, width } = caretUnder(block);
      expect(at).toBe(json[i]!.col - 1);
      expect(text.slice(at, at + 3)).toBe('${{');
      expect(width).toBe(widths[i]);
    }
    // 12:14 → 13 blanks before the caret; 19:39 → 38.
    expect(caretUnder(blocks[0]!).at).toBe(13);
    expect(caretUnder(blocks[2]!).at).toBe(38);
  });

  it('ends with one summary line per file', () => {
    expect(rest.filter((l) => l !== '')).toEqual([`${expressions}: 3 errors`]);
    expect(result.stdout.endsWith(`${expressions}: 3 errors\n`)).toBe(true);
  });

  it('puts the caret under a misspelled key, as wide as the key', () => {
    const out = parseText(runCli(['validate', `${DIR}/unknown-parameter.yaml`]).stdout);
    const promt = out.blocks.find((b) => b.header.includes(':12:7: '))!;
    const { text, at, width } = caretUnder(promt);
    expect(at).toBe(6);
    expect(text.slice(at, at + width)).toBe('promt');
    expect(promt.source).toBe(' 12 |       promt: A kitchen table with breakfast');
    expect(promt.caret).toBe('    |       ^~~~~');
  });

  it('summarises every file of a call, and a warning-only file as valid', () => {
    const out = runCli(['validate', `${DIR}/unused-output.yaml`, VALID, `${DIR}/wrong-version.yaml`]);
    expect(out.code).toBe(2);
    const { blocks: found, rest: summary } = parseText(out.stdout);
    expect(found.map((b) => b.header.split(': ')[0])).toEqual([`${DIR}/unused-output.yaml:12:3`, `${DIR}/wrong-version.yaml:3:10`]);
    expect(found[0]!.header).toContain(': warning: ');
    expect(summary.filter((l) => l !== '')).toEqual([
      `${DIR}/unused-output.yaml: valid (2 steps), 1 warning`,
      `${VALID}: valid (5 steps)`,
      `${DIR}/wrong-version.yaml: 1 error`,
    ]);
  });

  it('prints only the summary for a valid recipe', () => {
    const out = runCli(['validate', VALID]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`${VALID}: valid (5 steps)\n`);
  });

  it('reports a missing file without an excerpt', () => {
    const out = runCli(['validate', 'recipes/no-such-recipe.yaml']);
    expect(out.code).toBe(2);
    const { blocks: found } = parseText(out.stdout);
    expect(found).toHaveLength(1);
    expect(found[0]!.header).toBe('recipes/no-such-recipe.yaml:1:1: error: cannot read recipe: no such file [file]');
    expect(found[0]!.caret).toBeUndefined();
  });
});

describe('github format', () => {
  const ANNOTATION = /^::(error|warning) file=([^,]*),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),title=([^,]*)::(.*)$/;
  const files = [`${DIR}/unused-output.yaml`, `${DIR}/needs.yaml`, `${DIR}/reference-type.yaml`];
  const out = runCli(['validate', '--format', 'github', ...files]);
  const json = validateJson(files).diagnostics;
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-formats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one annotation per diagnostic and nothing else', () => {
    expect(out.code).toBe(2);
    expect(out.stdout).not.toMatch(ANSI);
    const lines = out.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(json.length);
    for (const line of lines) expect(line).toMatch(ANNOTATION);
  });

  it('carries the position, severity, rule and message of each diagnostic', () => {
    const lines = out.stdout.trimEnd().split('\n');
    for (const [i, d] of json.entries()) {
      const m = ANNOTATION.exec(lines[i]!)!;
      expect(m.slice(1)).toEqual([d.severity, d.file, String(d.line), String(d.col), String(d.endLine), String(d.endCol), `vidrecipe ${d.rule}`, d.message]);
    }
  });

  it('uses ::warning for warnings and ::error for errors', () => {
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `::warning file=${DIR}/unused-output.yaml,line=12,col=3,endLine=12,endColumn=9,title=vidrecipe unused-output::the output of step "review" is not used by any step or recipe output`,
    );
    expect(lines.slice(1).every((l) => l.startsWith('::error '))).toBe(true);
  });

  it('escapes % , : in properties and % CR LF in the message, as the runner expects', () => {
    // A file name with a comma, a colon and a percent sign, and a top-level key whose name holds a
    // percent sign and a line break, so the message does too.
    const file = join(dir, 'take,2:final%.yaml');
    writeFileSync(file, 'version: 1\n"50% off\\nsale": yes\nsteps:\n  cut:\n    uses: local/trim\n    with: { video: a.mp4, end: 3 }\n');
    const [d] = validateJson([file]).diagnostics;
    expect(d!.rule).toBe('unknown-property');
    expect(d!.message).toContain('"50% off\nsale"');
    const github = runCli(['validate', '--format', 'github', file]);
    expect(github.code).toBe(2);
    const lines = github.stdout.split('\n');
    expect(lines).toHaveLength(2); // one annotation; the line break in the message does not split it
    const m = ANNOTATION.exec(lines[0]!)!;
    expect(m[2]).toBe(`${dir}/take%2C2%3Afinal%25.yaml`);
    expect(m[3]).toBe('2');
    expect(m[4]).toBe('1');
    expect(m[7]).toBe('vidrecipe unknown-property');
    // Data keeps colons and commas as they are, and encodes % and the line break.
    expect(m[8]).toContain('unknown property "50%25 off%0Asale"; expected one of: ');
    expect(m[8]).not.toContain('\r');
  });

  it('prints nothing for a valid recipe', () => {
    const valid = runCli(['validate', '--format', 'github', VALID]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toBe('');
  });
});

describe('json format', () => {
  const KEYS = ['file', 'line', 'col', 'endLine', 'endCol', 'severity', 'rule', 'message', 'path'];

  it('prints an array of {file, line, col, endLine, endCol, severity, rule, message, path}, nothing more', () => {
    const out = runCli(['validate', '--format', 'json', `${DIR}/unused-output.yaml`, `${DIR}/trim-last.yaml`]);
    expect(out.code).toBe(2);
    const rows = JSON.parse(out.stdout) as Record<string, unknown>[];
    expect(Array.isArray(rows)).toBe(true);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(KEYS);
      for (const k of ['line', 'col', 'endLine', 'endCol']) expect(Number.isInteger(row[k])).toBe(true);
      for (const k of ['file', 'rule', 'message', 'path']) expect(typeof row[k]).toBe('string');
      expect(['error', 'warning']).toContain(row.severity);
    }
    expect(rows[0]).toEqual({
      file: `${DIR}/unused-output.yaml`,
      line: 12,
      col: 3,
      endLine: 12,
      endCol: 9,
      severity: 'warning',
      rule: 'unused-output',
      message: 'the output of step "review" is not used by any step or recipe output',
      path: 'steps.review',
    });
    expect(rows[1]).toMatchObject({ line: 11, col: 14, endLine: 11, endCol: 15, severity: 'error', rule: 'last-excludes-range', path: 'steps.tail.with.start' });
  });

  it('prints [] for a valid recipe', () => {
    const out = runCli(['validate', '--format', 'json', VALID]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([]);
  });
});

describe('exit codes', () => {
  it('0 for a valid recipe, with `valid (5 steps)` in the summary', () => {
    const out = runCli(['validate', VALID]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('valid (5 steps)');
  });

  it('2 for a missing file, reported with rule `file`', () => {
    const { code, diagnostics } = validateJson(['recipes/missing.yaml']);
    expect(code).toBe(2);
    expect(diagnostics).toEqual([
      { file: 'recipes/missing.yaml', line: 1, col: 1, endLine: 1, endCol: 1, severity: 'error', rule: 'file', message: 'cannot read recipe: no such file', path: '' },
    ] satisfies JsonDiagnostic[]);
  });

  it('2 for an unknown option, with the reason on stderr', () => {
    const out = runCli(['validate', '--strict', VALID]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("unknown option '--strict'");
    expect(out.stdout).toBe('');
  });

  it('2 for an unknown format', () => {
    const out = runCli(['validate', '--format', 'sarif', VALID]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('sarif');
  });

  it('2 for `validate` without a file', () => {
    const out = runCli(['validate']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("missing required argument 'recipe'");
  });
});
