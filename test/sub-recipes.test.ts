import { Ajv } from 'ajv';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRecipe } from '../src/recipe/load.js';
import { MAX_SUB_RECIPE_DEPTH } from '../src/recipe/sub-recipe.js';
import { isSubRecipe } from '../src/recipe/types.js';
import { ROOT, runCli, validateJson, type JsonDiagnostic } from './support/cli.js';
import { YamlLanguageServer } from './support/lsp.js';

/**
 * Each folder under test/fixtures/sub-recipes/ is one case: `main.yaml` includes the others. Every file
 * declares, in its header comments, the diagnostics it must carry when main.yaml is validated
 * (`# expect: <line>:<col> <severity> <rule>`); the positions were worked out by reading the files.
 */
const DIR = 'test/fixtures/sub-recipes';
const EXPECT = /^# expect: (\d+):(\d+) (error|warning) ([a-z][a-z0-9-]*)$/;

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(`${dir}/${e.name}`) : e.name.endsWith('.yaml') ? [`${dir}/${e.name}`] : []));
}

function expectations(dir: string): string[] {
  const out: string[] = [];
  for (const file of yamlFiles(dir)) {
    for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
      if (!line.startsWith('#')) break;
      if (!line.startsWith('# expect')) continue;
      const m = EXPECT.exec(line);
      if (!m) throw new Error(`${file}: malformed expectation line: ${line}`);
      out.push(`${file} ${m[1]}:${m[2]} ${m[3]} ${m[4]}`);
    }
  }
  return out.sort();
}

const CASES = readdirSync(join(ROOT, DIR)).sort();
const key = (d: JsonDiagnostic) => `${d.file} ${d.line}:${d.col} ${d.severity} ${d.rule}`;
const RESULTS = new Map(CASES.map((c) => [c, validateJson([`${DIR}/${c}/main.yaml`])]));

/** Targeted message checks, by case and `file line:col`: a message there must contain the text. */
const MESSAGES: Record<string, [at: string, contains: string][]> = {
  'child-error': [['main.yaml 6:11', 'sub-recipe ./cleanup.yaml has 2 errors, each reported at its line in test/fixtures/sub-recipes/child-error/cleanup.yaml']],
  'self-include': [['main.yaml 6:11', 'a recipe cannot include itself: main.yaml → main.yaml']],
  cycle: [
    ['c.yaml 5:11', 'main.yaml → b.yaml → c.yaml → main.yaml'],
    ['b.yaml 5:11', 'sub-recipe ./c.yaml has 1 error'],
    ['main.yaml 6:11', 'sub-recipe ./b.yaml has 1 error'],
  ],
  inputs: [
    ['main.yaml 19:5', 'set it on the steps of ./child.yaml'],
    ['main.yaml 21:5', 'missing required input "video" of ./child.yaml'],
    ['main.yaml 22:7', 'unknown input "vidoe" for ./child.yaml; did you mean "video"?'],
    ['main.yaml 23:17', 'strength must be a number, got "strong"'],
    ['main.yaml 25:13', 'mask needs a video, but inputs.still is an image'],
    ['main.yaml 26:15', 'prompt needs text, but steps.first.outputs.video is a video'],
    ['main.yaml 32:88', 'cannot be interpolated into text'],
    ['main.yaml 32:121', 'strength needs a number, but inputs.still is an image'],
  ],
  outputs: [
    ['main.yaml 14:14', 'step "tidy" (../valid/lib/cleanup.yaml) has no output "vidoe"; did you mean "video"?'],
    ['main.yaml 19:14', 'video needs a video, but steps.tidy.outputs.poster is an image'],
    ['main.yaml 26:14', 'it has no outputs'],
  ],
  'uses-errors': [
    ['main.yaml 8:11', "outside the recipe's work tree"],
    ['main.yaml 10:11', 'cannot read sub-recipe ./missing.yaml: no such file'],
    ['main.yaml 12:11', 'start its path with ./ (uses: ./valid.yaml)'],
  ],
};

describe.each(CASES)('sub-recipes: %s', (name) => {
  const result = () => RESULTS.get(name)!;

  it('reports exactly the diagnostics its files declare, each at its own file', () => {
    expect(result().diagnostics.map(key).sort()).toEqual(expectations(`${DIR}/${name}`));
    expect(result().code).toBe(result().diagnostics.some((d) => d.severity === 'error') ? 2 : 0);
  });

  it("lists the recipe's own problems first, then each included file's, each in source order", () => {
    const files: string[] = [];
    let prev: JsonDiagnostic | undefined;
    for (const d of result().diagnostics) {
      if (files[files.length - 1] !== d.file) {
        expect(files, `${d.file} comes back after another file`).not.toContain(d.file);
        files.push(d.file);
      } else if (prev) {
        expect(d.line > prev.line || (d.line === prev.line && d.col >= prev.col), key(d)).toBe(true);
      }
      prev = d;
    }
    if (files.includes(`${DIR}/${name}/main.yaml`)) expect(files[0]).toBe(`${DIR}/${name}/main.yaml`);
  });

  const messages = MESSAGES[name];
  if (messages) {
    it('explains each problem', () => {
      for (const [at, contains] of messages) {
        const texts = result().diagnostics.filter((d) => `${relative(`${DIR}/${name}`, d.file)} ${d.line}:${d.col}` === at).map((d) => d.message);
        expect(texts.length, `no diagnostic at ${at}`).toBeGreaterThan(0);
        expect(texts.some((t) => t.includes(contains)), `${at}: ${JSON.stringify(texts)} should contain ${JSON.stringify(contains)}`).toBe(true);
      }
    });
  }
});

describe('validate output for a recipe and its sub-recipe', () => {
  it('prints the source line and caret of each file, the sub-recipe under its own name', () => {
    const { code, stdout } = runCli(['validate', `${DIR}/child-error/main.yaml`]);
    expect(code).toBe(2);
    expect(stdout).toContain(`${DIR}/child-error/main.yaml:6:11: error: sub-recipe ./cleanup.yaml has 2 errors`);
    expect(stdout).toContain(' 6 |     uses: ./cleanup.yaml\n   |           ^~~~~~~~~~~~~~\n');
    expect(stdout).toContain(`${DIR}/child-error/cleanup.yaml:11:7: error: unknown parameter "vidoe" for local/trim; did you mean "video"?`);
    expect(stdout).toContain(' 11 |       vidoe: ${{ inputs.video }}\n    |       ^~~~~\n');
    expect(stdout).toContain(' 13 |       start: -1\n    |              ^~\n');
  });

  it('names the sub-recipe file in --format json and --format github', () => {
    const { diagnostics } = validateJson([`${DIR}/child-error/main.yaml`]);
    expect([...new Set(diagnostics.map((d) => d.file))]).toEqual([`${DIR}/child-error/main.yaml`, `${DIR}/child-error/cleanup.yaml`]);
    expect(diagnostics.find((d) => d.rule === 'range')).toMatchObject({ file: `${DIR}/child-error/cleanup.yaml`, line: 13, col: 14, path: 'steps.cut.with.start' });
    const github = runCli(['validate', '--format', 'github', `${DIR}/child-error/main.yaml`]).stdout;
    expect(github).toContain(`::error file=${DIR}/child-error/cleanup.yaml,line=11,col=7,`);
  });

  it('reports a file included twice once (a diamond)', () => {
    const { code, diagnostics } = validateJson([`${DIR}/diamond/main.yaml`]);
    expect(code).toBe(0);
    expect(diagnostics.map(key)).toEqual([`${DIR}/diamond/shared.yaml 10:3 warning unused-output`]);
  });

  it('plan prints the sub-recipe lines too when it is in error', () => {
    const { code, stderr } = runCli(['plan', `${DIR}/child-error/main.yaml`]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${DIR}/child-error/main.yaml:6:11: error: sub-recipe ./cleanup.yaml has 2 errors`);
    expect(stderr).toContain(' 13 |       start: -1\n');
  });
});

describe('the loaded recipe', () => {
  const file = `${DIR}/valid/main.yaml`;
  const result = loadRecipe(join(ROOT, file));

  it('holds each sub-recipe step with the other recipe loaded, read once for two steps', () => {
    expect(result.diagnostics).toEqual([]);
    const tidy = result.recipe!.steps.get('tidy')!;
    const again = result.recipe!.steps.get('again')!;
    expect(isSubRecipe(tidy) && isSubRecipe(again)).toBe(true);
    if (!isSubRecipe(tidy) || !isSubRecipe(again)) return;
    expect(tidy).toMatchObject({ id: 'tidy', uses: './lib/cleanup.yaml', file: join(ROOT, file), with: { skip: 1 }, needs: [], failFast: false });
    expect(again.needs).toEqual(['tidy']);
    expect(tidy.recipe).toBe(again.recipe);
    expect(tidy.recipe.file).toBe(join(ROOT, DIR, 'valid/lib/cleanup.yaml'));
    expect(tidy.recipe.dir).toBe(join(ROOT, DIR, 'valid/lib'));
    expect([...tidy.recipe.steps.keys()]).toEqual(['cut', 'poster']);
    expect(tidy.source.file).toBe(tidy.recipe.file);
    expect(tidy.refs.map((r) => r.ref)).toEqual([{ context: 'inputs', name: 'clip' }]);
  });

  it('returns the text of every sub-recipe read, by the name its diagnostics carry', () => {
    expect([...(result.sources?.keys() ?? [])]).toEqual([join(ROOT, DIR, 'valid/lib/cleanup.yaml')]);
  });
});

describe('sub-recipes found on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-sub-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  const leaf = 'version: 1\nsteps:\n  cut:\n    uses: local/trim\n    with: { video: clip.mp4, end: 1 }\n';
  const including = (uses: string) => `version: 1\nsteps:\n  inner:\n    uses: ${uses}\n`;

  it('refuses a sub-recipe outside the work tree without reading it, also through a symlink', () => {
    writeFileSync(join(dir, 'outside.yaml'), `# secret-content\n${leaf}`);
    symlinkSync(join(dir, 'outside.yaml'), join(repo, 'linked.yaml'));
    writeFileSync(join(repo, 'main.yaml'), 'version: 1\nsteps:\n  a:\n    uses: ../outside.yaml\n  b:\n    uses: ./linked.yaml\n');
    const result = runCli(['validate', join(repo, 'main.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('secret-content');
    const { diagnostics } = validateJson([join(repo, 'main.yaml')]);
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.rule}`)).toEqual(['4:11 sub-recipe', '6:11 sub-recipe']);
    for (const d of diagnostics) expect(d.message).toContain("is outside the recipe's work tree");
  });

  it('refuses a directory named like a recipe, as the guarded reader does', () => {
    mkdirSync(join(repo, 'folder.yaml'));
    writeFileSync(join(repo, 'dir.yaml'), including('./folder.yaml'));
    const { diagnostics } = validateJson([join(repo, 'dir.yaml')]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toContain('cannot read sub-recipe ./folder.yaml: it is a directory');
  });

  it(`reads sub-recipes ${MAX_SUB_RECIPE_DEPTH} deep, and refuses one more level`, () => {
    const chain = join(repo, 'deep');
    mkdirSync(chain);
    const levels = MAX_SUB_RECIPE_DEPTH + 1;
    for (let i = 0; i < levels; i++) writeFileSync(join(chain, `l${i}.yaml`), including(`./l${i + 1}.yaml`));
    writeFileSync(join(chain, `l${levels}.yaml`), leaf);
    // l0 includes l1 … l16 includes l17: 17 levels.
    const deep = validateJson([join(chain, 'l0.yaml')]);
    const refused = deep.diagnostics.filter((d) => d.message.includes('nest more than'));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.file).toBe(join(chain, `l${levels - 1}.yaml`));
    expect(refused[0]!.message).toContain(`sub-recipes nest more than ${MAX_SUB_RECIPE_DEPTH} deep`);
    // From l1, the same files are 16 levels: fine.
    expect(validateJson([join(chain, 'l1.yaml')])).toEqual({ code: 0, diagnostics: [] });
  });
});

describe('the published schema', () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/recipe.schema.json'), 'utf8')) as object);
  const read = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8')) as { steps: Record<string, Record<string, unknown>> };

  it('accepts a step whose uses is a relative recipe path', () => {
    for (const file of yamlFiles(`${DIR}/valid`)) expect(validate(read(file)), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });

  it('rejects a recipe path written without ./ and model options on a sub-recipe step', () => {
    const bare = read(`${DIR}/valid/main.yaml`);
    bare.steps.tidy!.uses = 'lib/cleanup.yaml';
    expect(validate(bare)).toBe(false);
    const backend = read(`${DIR}/valid/main.yaml`);
    backend.steps.tidy!.backend = 'local';
    expect(validate(backend)).toBe(false);
  });
});

describe('yaml-language-server with the published schema', () => {
  const server = new YamlLanguageServer();
  beforeAll(async () => {
    await server.start(ROOT, { schemas: { [pathToFileURL(join(ROOT, 'schemas/recipe.schema.json')).href]: '**/fixtures/sub-recipes/**/*.yaml' } });
  }, 60_000);
  afterAll(() => server.stop(), 60_000);

  it('finds nothing wrong in a recipe with sub-recipe steps, and flags a model option on one', async () => {
    const file = join(ROOT, DIR, 'valid/main.yaml');
    const text = readFileSync(file, 'utf8');
    expect(await server.diagnose(file, text)).toEqual([]);
    // Another document: the server publishes once per opened document.
    const flagged = await server.diagnose(join(ROOT, DIR, 'valid/flagged.yaml'), text.replace('    needs: tidy\n', '    needs: tidy\n    retries: 2\n'));
    expect(flagged.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`)).toEqual(['14:5 Property retries is not allowed.']);
  }, 60_000);
});
