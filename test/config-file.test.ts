import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, validateJson } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

let dir: string;

const RECIPE = `version: 1
name: cut
steps:
  cut:
    uses: local/trim
    with: { video: clip.mp4, duration: 0.5 }
`;

/** Four mistakes on four lines, of four kinds: all of them must be reported in one pass. */
const BAD_CONFIG = `wavespeed:
  concurency: 3
  rate: fast
dashscope:
  poll_interval: soon
local:
  concurrency: 0
`;

const EXPECTED = [
  { line: 2, col: 3, rule: 'config', message: 'unknown setting "concurency"; did you mean "concurrency"?' },
  { line: 3, col: 9, rule: 'config', message: 'rate "fast" is not a rate; write submissions per unit, e.g. 2/s, 500/min or 100/h' },
  { line: 5, col: 18, rule: 'config', message: 'poll_interval "soon" is not a duration; write e.g. 500ms, 2s or 1m' },
  { line: 7, col: 16, rule: 'config', message: 'concurrency 0 is not a number of tasks; write a whole number from 1 to 1000, e.g. 4' },
];

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-config-');
  await makeClip(join(dir, 'clip.mp4'), { width: 32, height: 32, fps: 10, duration: 1 });
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'bad.yaml'), BAD_CONFIG);
  writeFileSync(join(dir, 'conf', 'good.yaml'), 'local:\n  concurrency: 1\n');
}, 60_000);

afterAll(() => removeDir(dir));

function withConfig(text: string | undefined, fn: () => void): void {
  const path = join(dir, 'vidrecipe.config.yaml');
  if (text === undefined) return fn();
  writeFileSync(path, text);
  try {
    fn();
  } finally {
    writeFileSync(path, '');
  }
}

describe('vidrecipe.config.yaml is checked by validate, plan and run', () => {
  it('validate reports every error of the config with its line and column, as JSON', () => {
    withConfig(BAD_CONFIG, () => {
      const { code, diagnostics } = validateJson(['recipe.yaml'], { cwd: dir });
      expect(code).toBe(2);
      expect(diagnostics.map(({ file, line, col, rule, message, severity }) => ({ file, line, col, rule, message, severity }))).toEqual(
        EXPECTED.map((e) => ({ file: 'vidrecipe.config.yaml', severity: 'error', ...e })),
      );
    });
  });

  it('validate prints them as text with the source line, and as GitHub annotations', () => {
    withConfig(BAD_CONFIG, () => {
      const text = runCli(['validate', 'recipe.yaml'], { cwd: dir });
      expect(text.code).toBe(2);
      for (const e of EXPECTED) expect(text.stdout).toContain(`vidrecipe.config.yaml:${e.line}:${e.col}: error: ${e.message} [${e.rule}]`);
      expect(text.stdout).toContain(' 3 |   rate: fast\n   |         ^~~~\n');
      expect(text.stdout).toMatch(/^recipe\.yaml: valid \(1 step\)$/m);
      expect(text.stdout).toMatch(/^vidrecipe\.config\.yaml: 4 errors$/m);

      const github = runCli(['validate', '--format', 'github', 'recipe.yaml'], { cwd: dir });
      expect(github.code).toBe(2);
      expect(github.stdout.trim().split('\n')).toHaveLength(4);
      expect(github.stdout).toContain('::error file=vidrecipe.config.yaml,line=3,col=9,endLine=3,endColumn=13,title=vidrecipe config::rate "fast" is not a rate');
    });
  });

  it('plan and run refuse it with all its errors, before anything runs', () => {
    withConfig(BAD_CONFIG, () => {
      for (const command of ['plan', 'run']) {
        const result = runCli([command, 'recipe.yaml'], { cwd: dir });
        expect(result.code, result.stderr).toBe(2);
        for (const e of EXPECTED) expect(result.stderr).toContain(`vidrecipe.config.yaml:${e.line}:${e.col}: error: ${e.message}`);
        expect(result.stdout).toBe('');
      }
    });
  });

  it('a valid config passes; validate names it among the files checked', () => {
    withConfig('local:\n  concurrency: 2\n', () => {
      const result = runCli(['validate', 'recipe.yaml'], { cwd: dir });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^vidrecipe\.config\.yaml: valid$/m);
      expect(runCli(['plan', 'recipe.yaml'], { cwd: dir }).code).toBe(0);
    });
  });

  it('--config FILE is checked instead, and reported under the name given', () => {
    const { code, diagnostics } = validateJson(['recipe.yaml', '--config', 'conf/bad.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual(EXPECTED.map((e) => `conf/bad.yaml:${e.line}:${e.col}`));
    const plan = runCli(['plan', 'recipe.yaml', '--config', 'conf/bad.yaml'], { cwd: dir });
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('conf/bad.yaml:3:9: error: rate "fast" is not a rate');
    const run = runCli(['run', 'recipe.yaml', '--config', 'conf/good.yaml', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
  });

  it('a --config that does not exist is a usage error naming it', () => {
    for (const command of ['validate', 'plan', 'run']) {
      const result = runCli([command, 'recipe.yaml', '--config', 'conf/missing.yaml'], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('vidrecipe: --config conf/missing.yaml: cannot read it (no such file)');
    }
  });

  it('a config that is not a map, or a section that is not one, is an error at its line', () => {
    withConfig('wavespeed: fast\nlocal:\n  concurrency: 2\n', () => {
      const { code, diagnostics } = validateJson(['recipe.yaml'], { cwd: dir });
      expect(code).toBe(2);
      expect(diagnostics).toMatchObject([{ line: 1, col: 12, message: 'wavespeed: expected a map of settings (concurrency, rate, poll_interval, base_url); got string "fast"' }]);
    });
    withConfig('- wavespeed\n', () => {
      expect(validateJson(['recipe.yaml'], { cwd: dir }).diagnostics).toMatchObject([{ line: 1, col: 1, message: expect.stringContaining('is a YAML map of sections') }]);
    });
    withConfig('local:\n  concurrency: 2\n  concurrency: 3\n', () => {
      expect(validateJson(['recipe.yaml'], { cwd: dir }).diagnostics).toMatchObject([{ line: 3, rule: 'duplicate-key' }]);
    });
  });
});

describe('the config is read as guardedly as a recipe: it may come from a pull request', () => {
  let base: string;
  let repo: string;
  beforeAll(async () => {
    base = await makeTmpDir('vidrecipe-config-paths-');
    repo = join(base, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    writeFileSync(join(base, 'credentials'), 'aws_secret_access_key = SECRET-LINE-1234\n');
    writeFileSync(join(repo, 'recipe.yaml'), RECIPE);
    execFileSync('mkfifo', [join(repo, 'fifo.yaml')]);
    symlinkSync(join(base, 'credentials'), join(repo, 'creds.yaml'));
    symlinkSync('fifo.yaml', join(repo, 'to-fifo.yaml'));
  });
  afterAll(() => removeDir(base));

  it('a config symlinked outside the work tree is refused by validate, naming the file, quoting nothing of it', () => {
    for (const [args, named] of [
      [['--config', 'creds.yaml'], '--config creds.yaml'],
      [[], 'vidrecipe.config.yaml in the working directory'],
    ] as const) {
      const link = join(repo, 'vidrecipe.config.yaml');
      if (!args.length) symlinkSync(join(base, 'credentials'), link);
      try {
        for (const format of ['text', 'json', 'github']) {
          const result = runCli(['validate', 'recipe.yaml', '--format', format, ...args], { cwd: repo });
          expect(result.code).toBe(2);
          expect(result.stderr).toContain(`vidrecipe: ${named}: cannot read it (it is a symbolic link that leads outside the work tree`);
          expect(result.stderr).toContain('vidrecipe does not read config files through such links');
          expect(result.stdout + result.stderr).not.toContain('SECRET');
        }
      } finally {
        if (!args.length) rmSync(link, { force: true });
      }
    }
  });

  it('a config that is a FIFO or /dev/zero is a clear usage error, not a hang', () => {
    for (const [file, what] of [['fifo.yaml', 'a named pipe (FIFO)'], ['to-fifo.yaml', 'a named pipe (FIFO)'], ['/dev/zero', 'a character device']] as const) {
      const result = runCli(['validate', 'recipe.yaml', '--config', file], { cwd: repo });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`vidrecipe: --config ${file}: cannot read it (it is ${what}`);
      expect(result.stderr).toContain('give the path of a config file');
    }
  });
});
