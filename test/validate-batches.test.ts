import { Ajv } from 'ajv';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRecipe } from '../src/recipe/load.js';
import { includeOnlyKeys } from '../src/recipe/matrix.js';
import { isSubRecipe, type Recipe, type Step } from '../src/recipe/types.js';
import { ROOT, validateJson } from './support/cli.js';
import { YamlLanguageServer } from './support/lsp.js';

/**
 * Batch recipes (issue 11) as `validate` sees them: valid ones pass with nothing to say, and what the
 * recipe layer hands the graph layer (Step.matrix, InputDecl.of/columns) has the contracted shape. Each
 * error has its own fixture under test/fixtures/invalid/batch-*.yaml (checked by validate-errors).
 */
const DIR = 'test/fixtures/batch';
const VALID = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${DIR}/${f}`);

function load(path: string): Recipe {
  const result = loadRecipe(join(ROOT, path));
  expect(result.diagnostics).toEqual([]);
  return result.recipe!;
}

function step(recipe: Recipe, id: string): Step {
  const found = recipe.steps.get(id)!;
  if (isSubRecipe(found)) throw new Error(`${id} is a sub-recipe`);
  return found;
}

describe('valid batch recipes', () => {
  it('pass validate through the CLI with nothing to report', () => {
    expect(VALID.length).toBeGreaterThanOrEqual(2);
    expect(validateJson(VALID)).toEqual({ code: 0, diagnostics: [] });
  });

  it('give each step its matrix: axes in the order written, each from its source', () => {
    const recipe = load(`${DIR}/sweep.yaml`);
    expect(step(recipe, 'widen').matrix).toEqual({
      axes: {
        shot: { from: 'input', input: 'shots' },
        look: { from: 'input', input: 'looks' },
        seed: { from: 'list', values: [1, 2, 3] },
      },
      include: [{ seed: 3, note: 'lucky' }],
      exclude: [{ seed: 2, look: 'dusk' }],
    });
    expect(Object.keys(step(recipe, 'widen').matrix!.axes)).toEqual(['shot', 'look', 'seed']);
    expect(step(recipe, 'trim').matrix!.axes).toEqual({ clip: { from: 'files', glob: '../../../recipes/assets/*.mp4' } });
    // A key only include gives is not an axis; it is found from the include entries.
    expect(includeOnlyKeys(step(recipe, 'widen').matrix!)).toEqual(['note']);
  });

  it('carry max-parallel and fail-fast on matrix steps, and leave other steps plain', () => {
    const recipe = load(`${DIR}/sweep.yaml`);
    expect([step(recipe, 'remove').maxParallel, step(recipe, 'remove').failFast]).toEqual([8, false]);
    expect([step(recipe, 'widen').maxParallel, step(recipe, 'widen').failFast]).toEqual([undefined, true]);
    const reel = step(recipe, 'reel');
    expect([reel.matrix, reel.maxParallel, reel.failFast]).toEqual([undefined, undefined, false]);
  });

  it('declare list and table inputs with their kinds and defaults', () => {
    const { inputs } = load(`${DIR}/sweep.yaml`);
    expect(inputs.shots).toEqual({ type: 'table', columns: { video: 'video', mask: 'video', prompt: 'string' }, default: 'shots.csv', of: undefined, description: undefined });
    expect(inputs.looks).toMatchObject({ type: 'list', of: 'string', default: ['dawn', 'dusk'] });
    expect(Object.keys(inputs.shots!.columns!)).toEqual(['video', 'mask', 'prompt']);
  });

  it('record matrix references where they are written, typed context "matrix"', () => {
    const widen = step(load(`${DIR}/sweep.yaml`), 'widen');
    const matrixRefs = widen.refs.filter((r) => r.ref.context === 'matrix').map((r) => [r.ref, r.at.join('.'), r.whole]);
    expect(matrixRefs).toEqual([
      [{ context: 'matrix', axis: 'look' }, 'steps.widen.with.prompt', false],
      [{ context: 'matrix', axis: 'shot', column: 'prompt' }, 'steps.widen.with.prompt', false],
      [{ context: 'matrix', axis: 'note' }, 'steps.widen.with.prompt', false],
      [{ context: 'matrix', axis: 'seed' }, 'steps.widen.with.seed', true],
    ]);
  });
});

describe('checks per axis, not per leg', () => {
  // Legs are the graph layer's to expand. A matrix of a billion legs validates like one of four:
  // anything that walked the product would never finish.
  it('validates three axes of 1,000 values each without expanding them', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1).join(', ');
    const text = [
      'version: 1',
      'steps:',
      '  remove:',
      '    matrix:',
      `      seed: [${values}]`,
      `      a: [${values}]`,
      `      b: [${values}]`,
      '      exclude: [{ seed: 2, a: 3 }]',
      '    uses: wavespeed-ai/void-video-inpainting/mask',
      '    with: { video: in.mp4, mask_prompt: cup, prompt: "take ${{ matrix.a }}", seed: "${{ matrix.seed }}" }',
      '  widen:',
      '    matrix:',
      `      seed: [${values}]`,
      `      a: [${values}]`,
      `      b: [${values}]`,
      '    uses: alibaba/wan2.1-vace-plus/video_outpainting',
      '    with: { video_url: "${{ steps.remove.outputs.video }}", prompt: p, left_scale: 1.5 }',
      '  reel:',
      '    uses: local/concat',
      '    with: { videos: "${{ steps.widen.outputs.video }}" }',
      '',
    ].join('\n');
    const started = performance.now();
    const result = loadRecipe('billion.yaml', { text });
    expect(result.diagnostics).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('the published schema and the editor', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/recipe.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
  const base = (): Record<string, unknown> => parse(readFileSync(join(ROOT, DIR, 'sweep.yaml'), 'utf8')) as Record<string, unknown>;

  it.each(VALID)('strict ajv accepts %s', (path) => {
    expect(validate(parse(readFileSync(join(ROOT, path), 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('tells editors what the checker says: a list needs of, a table columns, max-parallel ≥ 1', () => {
    const cases: [string, (r: Record<string, any>) => void, string][] = [
      ['/inputs/looks', (r) => delete r.inputs.looks.of, 'of'],
      ['/inputs/shots', (r) => delete r.inputs.shots.columns, 'columns'],
      ['/steps/remove/max-parallel', (r) => (r.steps.remove['max-parallel'] = 0), ''],
      ['/steps/widen/matrix/seed', (r) => (r.steps.widen.matrix.seed = []), ''],
    ];
    for (const [at, edit, missing] of cases) {
      const recipe = base();
      edit(recipe);
      expect(validate(recipe), at).toBe(false);
      const errors = (validate.errors ?? []).filter((e) => e.instancePath === at || e.instancePath.startsWith(`${at}/`));
      expect(errors.length, `${at}: ${JSON.stringify(validate.errors)}`).toBeGreaterThan(0);
      if (missing) expect(errors.some((e) => e.keyword === 'required' && e.params.missingProperty === missing)).toBe(true);
    }
  });

  describe('yaml-language-server', () => {
    const server = new YamlLanguageServer();
    beforeAll(async () => {
      await server.start(ROOT, {});
    }, 60_000);
    afterAll(() => server.stop(), 60_000);

    it.each(VALID)('finds nothing wrong in %s', async (path) => {
      const file = join(ROOT, path);
      expect(await server.diagnose(file, readFileSync(file, 'utf8'))).toEqual([]);
    }, 60_000);

    it('flags a list without of, a zero max-parallel and an unknown step key next to matrix', async () => {
      // Another name beside it (its modeline resolves the same): a document the server has open is not re-read.
      const file = join(ROOT, DIR, 'sweep-edited.yaml');
      const text = readFileSync(join(ROOT, DIR, 'sweep.yaml'), 'utf8')
        .replace('looks: { type: list, of: string,', 'looks: { type: list,')
        .replace('max-parallel: 8', 'max-parallel: 0')
        .replace('fail-fast: true', 'fail-fats: true');
      const found = (await server.diagnose(file, text)).map((d) => `${d.range.start.line + 1} ${d.message}`);
      expect(found.sort()).toEqual(['13 Value is below the minimum of 1.', '26 Property fail-fats is not allowed.', '7 Missing property "of".']);
    }, 60_000);
  });
});
