/**
 * Every example in recipes/ is a promise to whoever copies it: it plans, and it runs end to end on the
 * shipped samples — offline where every step has a local implementation, else against the fake providers.
 * The list is read from the folder, so a new example is covered the day it is added. The commands the docs
 * show on those examples are run too, as written.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, startCli } from './support/cli.js';
import { useFakeProviders } from './support/fake-pair.js';
import { makeTmpDir, probeFile, removeDir } from './support/media.js';

const WS_KEY = 'ws-example-key';
const DS_KEY = 'ds-example-key';
const fakes = useFakeProviders({ wsKey: WS_KEY, dsKey: DS_KEY, concurrency: 8, taskMs: 50, resetEach: false });
const EXAMPLES = readdirSync(join(ROOT, 'recipes'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface RunJson {
  status: string;
  outputs: Record<string, string>;
  steps: Record<string, { status: string; backend: string; error?: string }>;
}

let root: string;

beforeAll(async () => {
  root = await makeTmpDir('vidrecipe-examples-');
}, 60_000);

afterAll(async () => {
  await removeDir(root);
});

const fakeEnv = () => fakes.env();

/**
 * A working directory holding a copy of recipes/ (the examples read their samples relative to themselves),
 * with a config that polls the fakes quickly.
 */
function workspace(name: string): string {
  const dir = join(root, name);
  cpSync(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
  const fast = '  poll_interval: 40ms\n  rate: 100/s\n';
  writeFileSync(join(dir, 'vidrecipe.config.yaml'), `wavespeed:\n${fast}dashscope:\n${fast}`);
  return dir;
}

/** Runs the CLI without blocking this process: the fakes live here and must keep answering. */
async function cli(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const child = startCli(args, { cwd, env });
  const code = await child.exited;
  return { code, stdout: child.output.stdout, stderr: child.output.stderr };
}

/** The file's kind as ffprobe sees it, from the decoded stream rather than the name. */
async function kindOf(file: string): Promise<'video' | 'image'> {
  const info = await probeFile(file);
  expect(info.width, file).toBeGreaterThan(0);
  expect(info.frames, file).toBeGreaterThan(0);
  return info.codec === 'png' || info.codec === 'mjpeg' ? 'image' : 'video';
}

describe('every example in recipes/', () => {
  it('is found', () => {
    expect(EXAMPLES).toContain('vace-edit.yaml');
    expect(EXAMPLES).toContain('vace-image-reference.yaml');
  });

  for (const example of EXAMPLES) {
    it(`${example} plans and runs end to end on the shipped samples`, async () => {
      const file = join('recipes', example);
      const dir = workspace(example.replace(/\.yaml$/, ''));
      const validated = runCli(['validate', file], { cwd: dir });
      expect(validated.code, validated.stderr).toBe(0);

      // As a reviewer plans it: no key, nothing run; warnings allowed, errors not.
      const plan = runCli(['plan', file, '--format', 'json'], { cwd: dir });
      expect(plan.code, plan.stderr).toBe(0);
      const planned = JSON.parse(plan.stdout) as { steps: { id: string; uses: string }[]; outputs: unknown };
      expect(planned.steps.length).toBeGreaterThan(0);

      const offline = runCli(['plan', file, '--offline', '--format', 'json'], { cwd: dir }).code === 0;
      const run = await cli(['run', file, '--json', ...(offline ? ['--offline'] : [])], dir, offline ? {} : fakeEnv());
      expect(run.code, run.stderr).toBe(0);
      const json = JSON.parse(run.stdout) as RunJson;
      expect(json.status).toBe('succeeded');
      for (const step of planned.steps) expect(json.steps[step.id]?.status, step.id).toBe('succeeded');
      if (offline) for (const step of Object.values(json.steps)) expect(step.backend).toBe('local');

      // Each declared output exists, decodes, and is of the kind its producing model says.
      const recipe = readFileSync(join(dir, file), 'utf8');
      const declared = recipe.slice(recipe.indexOf('\noutputs:')).match(/^ {2}[a-z_][\w-]*:/gm) ?? [];
      // A matrix step's output is published once per leg, as `name/leg`.
      expect([...new Set(Object.keys(json.outputs).map((k) => k.split('/')[0]))].sort()).toEqual(declared.map((d) => d.trim().slice(0, -1)).sort());
      for (const [name, path] of Object.entries(json.outputs)) {
        expect(await kindOf(path), name).toBe(path.endsWith('.png') ? 'image' : 'video');
      }
    }, 120_000);
  }
});

/**
 * Commands the docs show on the examples (`vidrecipe …` naming a recipe in recipes/), run as written from a
 * checkout, against the fakes where they need keys. Shell redirections are the shell's business: dropped.
 */
function documentedCommands(): { doc: string; args: string[] }[] {
  const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  const found: { doc: string; args: string[] }[] = [];
  for (const doc of docs) {
    for (const match of readFileSync(join(ROOT, doc), 'utf8').matchAll(/(?:npx )?vidrecipe ((?:validate|plan|run)\b[^`\n>|&#]*recipes\/[^`\n>|&#]*)/g)) {
      const args = match[1]!.trim().split(/\s+/);
      if (!found.some((f) => f.args.join(' ') === args.join(' '))) found.push({ doc, args });
    }
  }
  return found;
}

describe('commands the docs show on the examples', () => {
  const commands = documentedCommands();
  it('are found in the docs', () => {
    expect(commands.map((c) => c.doc)).toEqual(expect.arrayContaining(['docs/ci.md', 'docs/fake-providers.md']));
  });
  for (const [i, { doc, args }] of commands.entries()) {
    it(`${doc}: vidrecipe ${args.join(' ')}`, async () => {
      const dir = workspace(`doc-${i}`);
      // The shell would expand the glob.
      const expanded = args.flatMap((a) => (a === 'recipes/*.yaml' ? EXAMPLES.map((e) => `recipes/${e}`) : [a]));
      const result = await cli(expanded, dir, fakeEnv());
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    }, 120_000);
  }
});
