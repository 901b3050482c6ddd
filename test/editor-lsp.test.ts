import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';
import { YamlLanguageServer, type LspDiagnostic } from './support/lsp.js';

// The editor experience, checked with the language server VS Code's YAML extension runs, over LSP.
const EDITOR = join(ROOT, 'test/fixtures/editor');
const recipes = readdirSync(join(ROOT, 'recipes')).filter((f) => f.endsWith('.yaml'));

/** `line:col message`, 1-based like the CLI, so a failure reads like an editor's problem list. */
function problems(diagnostics: LspDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`).sort((a, b) => parseInt(a) - parseInt(b));
}

async function open(server: YamlLanguageServer, file: string): Promise<string[]> {
  return problems(await server.diagnose(file, readFileSync(file, 'utf8')));
}

describe('yaml-language-server with the published schema', () => {
  const server = new YamlLanguageServer();
  beforeAll(async () => {
    // Files without a modeline get the schema by association, as a workspace setting would give it.
    await server.start(ROOT, { schemas: { [pathToFileURL(join(ROOT, 'schemas/recipe.schema.json')).href]: '**/*.vidrecipe.yaml' } });
  }, 60_000);
  afterAll(() => server.stop(), 60_000);

  it('names the real problem of each literal, not the expression it could also have been', async () => {
    expect(await open(server, join(EDITOR, 'wrong-values.yaml'))).toEqual([
      '11:19 Value is not accepted. Valid values: 69, 77, 85, 93, 101, 109, 117, 125, 133, 141, 149, 157, 165, 173, 181, 189, 197.',
      '12:23 Value is above the maximum of 20.',
      '13:32 Incorrect type. Expected "boolean".',
      '19:19 Value is above the maximum of 2.',
    ]);
  }, 60_000);

  it('checks a recipe associated by setting: a misspelt parameter, range, enum; expressions pass', async () => {
    expect(await open(server, join(EDITOR, 'associated.vidrecipe.yaml'))).toEqual([
      '8:5 Missing property "prompt".',
      '11:7 Property promt is not allowed.',
      '17:17 Value is below the exclusive minimum of 0.',
      '23:26 Value is not accepted. Valid values: "posebodyface", "posebody", "depth", "scribble".',
    ]);
  }, 60_000);

  it.each(recipes)('finds nothing wrong in recipes/%s', async (file) => {
    expect(await open(server, join(ROOT, 'recipes', file))).toEqual([]);
  }, 60_000);
});
