import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../src/recipe/load.js';
import type { Precompiled } from '../src/recipe/precompiled.js';
import { StructureChecker } from '../src/recipe/structure.js';
import { ROOT, runCli } from './support/cli.js';

// `npm run build` compiles the validators ahead of time; the CLI's `validate` uses them. They must
// report exactly what the validators compiled at run time from the same schemas report.
const generated = (await import(join(ROOT, 'dist/recipe/validators.generated.js'))) as Precompiled;
const dirs = ['recipes', 'test/fixtures/invalid', 'test/fixtures/editor'];
const files = dirs.flatMap((dir) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)));

describe('validators compiled at build time', () => {
  const ahead = new StructureChecker(generated);
  const now = new StructureChecker();

  it.each(files)('%s: the same diagnostics as compiled at run time', (file) => {
    const expected = loadRecipe(join(ROOT, file), { checker: now }).diagnostics;
    expect(loadRecipe(join(ROOT, file), { checker: ahead }).diagnostics).toEqual(expected);
  });

  it('cover every model of the catalog, with the shapes references are typed against', async () => {
    const { MODELS, MODEL_IDS } = await import('../src/models/catalog.js');
    const { paramShapes } = await import('../src/recipe/schema.js');
    expect(Object.keys(generated.params).sort()).toEqual([...MODEL_IDS].sort());
    for (const model of MODELS) expect(generated.shapes[model.id], model.id).toEqual(Object.fromEntries(paramShapes(model)));
  });

  it('are what `vidrecipe validate` reports with', () => {
    const result = runCli(['validate', '--format', 'json', 'test/fixtures/editor/wrong-values.yaml']);
    expect(result.code).toBe(2);
    const expected = loadRecipe(join(ROOT, 'test/fixtures/editor/wrong-values.yaml'), { checker: now }).diagnostics;
    expect(JSON.parse(result.stdout)).toEqual(expected.map((d) => ({ ...d, file: 'test/fixtures/editor/wrong-values.yaml' })));
  });
});
