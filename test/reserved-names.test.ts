import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, validateJson } from './support/cli.js';

/** Names that JavaScript objects already have (constructor, hasOwnProperty, __proto__) are names like any other. */
const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

describe('names that objects inherit', () => {
  it('a reference to inputs.hasOwnProperty or outputs.constructor is unknown, not silently accepted', () => {
    const file = write('inherited.yaml', `version: 1
inputs:
  d: { type: number, default: 1 }
steps:
  a: { uses: local/trim, with: { video: x.mp4, duration: "\${{ inputs.hasOwnProperty }}" } }
  b: { uses: local/extract-frame, with: { video: "\${{ steps.a.outputs.constructor }}" } }
outputs:
  image: \${{ steps.b.outputs.image }}
`);
    const { code, diagnostics } = validateJson([file], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => [d.line, d.col, d.rule, d.message])).toEqual([
      [5, 59, 'reference', 'unknown input "hasOwnProperty"; declared inputs: d'],
      [6, 51, 'reference', 'step "a" (local/trim) has no output "constructor"; its outputs: video'],
    ]);
  });

  it('--input toString=1 names no input of the recipe', () => {
    const file = write('plain.yaml', 'version: 1\ninputs:\n  d: { type: number, default: 1 }\nsteps:\n  a: { uses: local/trim, with: { video: x.mp4, duration: "${{ inputs.d }}" } }\n');
    const plan = runCli(['plan', file, '--input', 'toString=1'], { cwd: dir });
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('vidrecipe: --input toString=1: the recipe has no input "toString"; its inputs: d');
  });

  it('__proto__ as an input or output name is an error at the key (it would vanish when read), and the rest is still checked', () => {
    const file = write('proto.yaml', `version: 1
inputs:
  __proto__: { type: number, default: 1 }
steps:
  a: { uses: local/trim, with: { video: x.mp4, duraton: 1 } }
outputs:
  __proto__: \${{ steps.a.outputs.video }}
`);
    const { code, diagnostics } = validateJson([file], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.filter((d) => d.rule === 'reserved-name').map((d) => [d.line, d.col, d.message])).toEqual([
      [3, 3, '"__proto__" cannot be used as a key or name; rename it'],
      [7, 3, '"__proto__" cannot be used as a key or name; rename it'],
    ]);
    expect(diagnostics.some((d) => d.rule === 'unknown-parameter' && d.line === 5)).toBe(true);
  });
});
