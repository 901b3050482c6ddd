import { Ajv } from 'ajv';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaFiles } from '../src/cli/generated.js';
import { ROOT } from './support/cli.js';

// What users' tools read: the committed files under schemas/, compiled the way those tools compile them.
const files = schemaFiles().map((f) => `schemas/${f.path}`);
const recipes = readdirSync(join(ROOT, 'recipes')).filter((f) => f.endsWith('.yaml'));
const require = createRequire(import.meta.url);
const AJV_CLI = join(dirname(require.resolve('ajv-cli/package.json')), (require('ajv-cli/package.json') as { bin: { ajv: string } }).bin.ajv);

function ajvCli(args: string[]) {
  return spawnSync(process.execPath, [AJV_CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('published schemas are standard JSON Schema', () => {
  it.each(files)('%s compiles with ajv in strict mode, without a warning', (file) => {
    const warnings: unknown[] = [];
    const ajv = new Ajv({ strict: true, logger: { log: () => {}, warn: (...m: unknown[]) => warnings.push(m), error: (...m: unknown[]) => warnings.push(m) } });
    expect(() => ajv.compile(JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as object)).not.toThrow();
    expect(warnings).toEqual([]);
  });

  it.each(files)('%s carries no keyword of our own', (file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).not.toMatch(/"(x-[a-z]+|discriminator)":/);
  });

  it('ajv-cli compiles every schema with its defaults', () => {
    const result = ajvCli(['compile', ...files.flatMap((f) => ['-s', f])]);
    expect(result.status, `${result.stderr}${result.stdout}`).toBe(0);
    expect(result.stderr).toBe('');
    for (const file of files) expect(result.stdout).toContain(`schema ${file} is valid`);
  });

  it('ajv-cli accepts every example recipe and rejects a value out of range', () => {
    const result = ajvCli(['validate', '-s', 'schemas/recipe.schema.json', ...recipes.flatMap((r) => ['-d', `recipes/${r}`])]);
    expect(result.status, result.stderr).toBe(0);
    const bad = ajvCli(['validate', '-s', 'schemas/recipe.schema.json', '-d', 'test/fixtures/editor/wrong-values.yaml']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('wrong-values.yaml invalid');
  });
});
