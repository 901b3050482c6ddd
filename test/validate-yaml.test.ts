import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, validateJson } from './support/cli.js';

describe('YAML features a recipe may use', () => {
  it('merge keys pull shared parameters from an anchor kept under an x- key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-yaml-'));
    const file = join(dir, 'merge.yaml');
    writeFileSync(
      file,
      `version: 1
x-common: &common
  prompt: A kitchen table with breakfast
  mask_prompt: the man
steps:
  one:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { <<: *common, video: a.mp4 }
  two:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { <<: *common, video: b.mp4, num_frames: 86 }
`,
    );
    const { code, diagnostics } = validateJson([file]);
    expect(code).toBe(2);
    // Only the real mistake: the merged prompt and mask_prompt satisfy both steps.
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.rule}`)).toEqual(['11:52 enum']);
    const plan = runCli(['plan', file, '--format', 'json']);
    expect(plan.code).toBe(2);
  });

  it('a long line is cut to a window around the column, with the caret still under it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-yaml-'));
    const file = join(dir, 'long.yaml');
    writeFileSync(file, `version: 1\nsteps:\n  a: { uses: local/trim, with: { video: ${'x'.repeat(3000)}.mp4, lst: 1 } }\n`);
    const out = runCli(['validate', file]).stdout.split('\n');
    const at = out.findIndex((l) => l.includes('[unknown-parameter]'));
    const [source, caret] = [out[at + 1]!, out[at + 2]!];
    expect(source.length).toBeLessThan(140);
    expect(source).toContain('…');
    expect(source[caret.indexOf('^')]).toBe('l');
    expect(source.slice(caret.indexOf('^'), caret.indexOf('^') + 3)).toBe('lst');
  });
});

describe('columns', () => {
  it('count characters, so an emoji before an expression is one column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-yaml-'));
    const file = join(dir, 'emoji.yaml');
    const line = '  a: { uses: local/compare, with: { videos: [a.mp4, b.mp4], labels: ["🎬 take", "${{ inputs.x }}"] } }';
    writeFileSync(file, `version: 1\nsteps:\n${line}\n`);
    const { diagnostics } = validateJson([file]);
    expect(diagnostics.map((d) => [d.line, d.col, d.rule])).toEqual([[3, [...line].indexOf('$') + 1, 'reference']]);
    expect([...line].indexOf('$')).toBe(line.indexOf('$') - 1);
  });
});
