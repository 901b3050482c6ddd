import { Ajv } from 'ajv';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedFiles, schemaFiles } from '../src/cli/generated.js';
import { ROOT, runCli } from './support/cli.js';

const recipes = readdirSync(join(ROOT, 'recipes')).filter((f) => f.endsWith('.yaml'));

describe('generated files', () => {
  it.each(generatedFiles().map((f) => [f.path, f.content]))('%s is up to date (run `npm run schemas`)', (path, content) => {
    expect(readFileSync(join(ROOT, path), 'utf8')).toBe(content);
  });

  it('has no schema left over from a model that is gone', () => {
    const listed = new Set(schemaFiles().map((f) => f.path));
    const walk = (dir: string, prefix = ''): string[] =>
      readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
      );
    expect(walk(join(ROOT, 'schemas')).sort()).toEqual([...listed].sort());
  });

  it('`vidrecipe schema --out` writes the committed schemas', () => {
    const out = mkdtempSync(join(tmpdir(), 'vidrecipe-schema-'));
    const result = runCli(['schema', '--out', out]);
    expect(result.code).toBe(0);
    for (const file of schemaFiles()) {
      expect(readFileSync(join(out, file.path), 'utf8')).toBe(readFileSync(join(ROOT, 'schemas', file.path), 'utf8'));
    }
    const printed = runCli(['schema']);
    expect(JSON.parse(printed.stdout)).toEqual(JSON.parse(readFileSync(join(ROOT, 'schemas/recipe.schema.json'), 'utf8')));
  });
});

describe('the editor schema (schemas/recipe.schema.json)', () => {
  // Plain strict ajv, as a user's tool would run it: no keywords of ours, no extra options.
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/recipe.schema.json'), 'utf8')) as object);

  it.each(recipes)('accepts recipes/%s', (file) => {
    const data = parse(readFileSync(join(ROOT, 'recipes', file), 'utf8')) as unknown;
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
  });

  const base = () => ({
    version: 1,
    steps: { remove: { uses: 'wavespeed-ai/void-video-inpainting/mask', with: { video: 'a.mp4', prompt: 'p', mask_prompt: 'the cup' } } },
  });

  it('picks the parameter schema by `uses` and rejects what the CLI rejects', () => {
    expect(validate(base())).toBe(true);
    const typo = base();
    (typo.steps.remove.with as Record<string, unknown>).promt = 'x';
    expect(validate(typo)).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'promt')).toBe(true);
    const frames = base();
    (frames.steps.remove.with as Record<string, unknown>).num_frames = 86;
    expect(validate(frames)).toBe(false);
    const model = base();
    model.steps.remove.uses = 'alibaba/wan2.1-vace-plus/nope';
    expect(validate(model)).toBe(false);
  });

  it('accepts an expression wherever a parameter could take one, and nothing else in its place', () => {
    const expr = base();
    Object.assign(expr.steps.remove.with, { num_frames: '${{ inputs.frames }}', guidance_scale: '${{ inputs.g }}' });
    expect(validate(expr)).toBe(true);
    const text = base();
    Object.assign(text.steps.remove.with, { num_frames: 'eighty-five' });
    expect(validate(text)).toBe(false);
  });

  it('rejects a bad step id', () => {
    const bad = base() as { version: number; steps: Record<string, unknown> };
    bad.steps.Remove = bad.steps.remove;
    delete bad.steps.remove;
    expect(validate(bad)).toBe(false);
  });
});

describe('example recipes', () => {
  it.each(recipes)('recipes/%s carries the schema modeline', (file) => {
    expect(readFileSync(join(ROOT, 'recipes', file), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/recipe.schema.json');
  });

  it('all validate, together, with no warning', () => {
    const result = runCli(['validate', '--format', 'json', ...recipes.map((f) => `recipes/${f}`)]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('cover every model in the catalog', async () => {
    const { MODEL_IDS } = await import('../src/models/catalog.js');
    const used = new Set(recipes.flatMap((f) => [...readFileSync(join(ROOT, 'recipes', f), 'utf8').matchAll(/uses: (\S+)/g)].map((m) => m[1])));
    expect(MODEL_IDS.filter((id) => !used.has(id))).toEqual([]);
  });
});
