import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel, MODEL_IDS } from '../src/models/catalog.js';
import { paramsSchema } from '../src/recipe/schema.js';
import { runCli, validateJson } from './support/cli.js';
import { frameIndices, makeNumberedClip, makeTmpDir, removeDir } from './support/media.js';

/**
 * Parameters whose schema is a union (a word or a number) keep a number as a number all the way to the
 * executor: validate, plan and run agree on what they accept.
 */
let dir: string;

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-union-');
  // 20 numbered grey frames at 10 fps: the frame a step took can be read back from its grey level.
  await makeNumberedClip(join(dir, 'clip.mp4'), { fps: 10, frames: 20 });
}, 60_000);

afterAll(() => removeDir(dir));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/** Every parameter (or list item) of the catalog whose schema lists alternatives. */
function unionParams(): string[] {
  const found: string[] = [];
  for (const id of MODEL_IDS) {
    for (const [name, prop] of Object.entries((paramsSchema(findModel(id)!).properties ?? {}) as Record<string, Record<string, unknown>>)) {
      const items = (prop.items ?? {}) as Record<string, unknown>;
      if (prop.anyOf || prop.oneOf || Array.isArray(prop.type) || items.anyOf || items.oneOf || Array.isArray(items.type)) found.push(`${id} ${name}`);
    }
  }
  return found;
}

describe('parameters that take a word or a number', () => {
  it('are the ones this file covers', () => {
    // A new union parameter needs its own case below.
    expect(unionParams()).toEqual(['local/extract-frame at']);
  });

  it('at: 2 (a number, as the docs allow) passes validate, plan and run, and the frame taken is the one at that time', async () => {
    const recipe = write('at-number.yaml', `version: 1
name: at-number
inputs:
  t: { type: number, default: 0.5 }
  which: { type: string, default: last }
steps:
  literal: { uses: local/extract-frame, with: { video: clip.mp4, at: 1.2 } }
  whole: { uses: local/extract-frame, with: { video: clip.mp4, at: "\${{ inputs.t }}" } }
  word: { uses: local/extract-frame, with: { video: clip.mp4, at: "\${{ inputs.which }}" } }
  integer: { uses: local/extract-frame, with: { video: clip.mp4, at: 1 } }
outputs:
  literal: \${{ steps.literal.outputs.image }}
  whole: \${{ steps.whole.outputs.image }}
  word: \${{ steps.word.outputs.image }}
  integer: \${{ steps.integer.outputs.image }}
`);
    const validated = runCli(['validate', recipe], { cwd: dir });
    expect(validated.code, validated.stdout).toBe(0);
    const plan = runCli(['plan', recipe, '--format', 'json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).not.toMatch(/input-value/);

    const run = runCli(['run', recipe, '--json', '--input', 't=0.3'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const outputs = (JSON.parse(run.stdout) as { outputs: Record<string, string> }).outputs;
    expect(await frameIndices(outputs.literal!)).toEqual([12]);
    expect(await frameIndices(outputs.whole!)).toEqual([3]);
    expect(await frameIndices(outputs.word!)).toEqual([19]);
    expect(await frameIndices(outputs.integer!)).toEqual([10]);
  }, 120_000);

  it('a quoted number says to remove the quotes; a word outside the list names the alternatives', () => {
    const recipe = write('at-text.yaml', `version: 1
steps:
  quoted: { uses: local/extract-frame, with: { video: clip.mp4, at: "2" } }
  word: { uses: local/extract-frame, with: { video: clip.mp4, at: middle } }
`);
    const { code, diagnostics } = validateJson([recipe], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => [d.line, d.col, d.rule, d.message])).toEqual([
      [3, 69, 'type', 'at must be "first", "last" or a number ≥ 0; got "2"; for the number 2, remove the quotes'],
      [4, 67, 'type', 'at must be "first", "last" or a number ≥ 0; got "middle"'],
    ]);
  });

  it('a reference that can never fit the union is refused at validate, not first at plan', () => {
    const recipe = write('at-flag.yaml', `version: 1
inputs:
  flag: { type: boolean, default: true }
  n: { type: number, default: 1 }
steps:
  frame: { uses: local/extract-frame, with: { video: clip.mp4, at: "\${{ inputs.flag }}" } }
  fit: { uses: local/transcode, with: { video: clip.mp4, width: 32, fit: "\${{ inputs.n }}" } }
`);
    const { code, diagnostics } = validateJson([recipe], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => [d.line, d.rule, d.message])).toEqual([
      [6, 'reference-type', 'at needs "first", "last" or a number ≥ 0, but inputs.flag is true or false'],
      [7, 'reference-type', 'fit needs "contain", "cover" or "stretch", but inputs.n is a number'],
    ]);
  });

  it('a number still fills a text parameter as text (labels, prompts)', () => {
    const recipe = write('label-number.yaml', `version: 1
inputs:
  take: { type: number, default: 3 }
steps:
  side: { uses: local/compare, with: { videos: [clip.mp4, clip.mp4], labels: ["\${{ inputs.take }}", "take \${{ inputs.take }}"] } }
`);
    const plan = runCli(['plan', recipe, '--format', 'json', '--input', 'take=4'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toBe('');
  });

  it('--input gives a number to a union parameter as a number', () => {
    const recipe = write('at-input.yaml', `version: 1
inputs:
  t: { type: number }
steps:
  frame: { uses: local/extract-frame, with: { video: clip.mp4, at: "\${{ inputs.t }}" } }
`);
    const plan = runCli(['plan', recipe, '--input', 't=1.5'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const negative = runCli(['plan', recipe, '--input', 't=-1'], { cwd: dir });
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/at-input\.yaml:5:\d+: error: \$\{\{ inputs\.t \}\} = -1 does not fit at: /);
  });
});
