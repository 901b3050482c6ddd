import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';
import { makeTmpDir, removeDir } from './support/media.js';

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
const SUBCOMMAND = /(^|[^\w/.-])vidrecipe (validate|plan|run|models|schema|cache|runs|worker|status)\b/;

/** Shell lines of ```sh blocks and inline code spans with arguments: what a reader copies and runs (`vidrecipe run` alone names the command). */
function commands(text: string): string[] {
  const found: string[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell|console)\n([\s\S]*?)```/g)) found.push(...block[1]!.split('\n'));
  for (const span of text.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)) if (!/^vidrecipe \w+$/.test(span[1]!)) found.push(span[1]!);
  return found;
}

let consumer: string;

beforeAll(async () => {
  // Another repository with vidrecipe as a dev dependency, linked the way npm links one.
  consumer = await makeTmpDir('vidrecipe-consumer-');
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, devDependencies: { vidrecipe: `file:${ROOT}` } }));
  mkdirSync(join(consumer, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(consumer, 'node_modules', 'vidrecipe'));
  symlinkSync(join('..', 'vidrecipe', 'bin', 'vidrecipe.js'), join(consumer, 'node_modules', '.bin', 'vidrecipe'));
  mkdirSync(join(consumer, 'recipes'));
  writeFileSync(join(consumer, 'recipes', 'glue.yaml'), readFileSync(join(ROOT, 'recipes', 'local-glue.yaml'), 'utf8').replace(/^# yaml-language-server.*\n/m, ''));
});

afterAll(() => removeDir(consumer));

describe('the docs call the CLI the way that works', () => {
  it('every command in README.md and docs/*.md runs `npx vidrecipe`, not a `vidrecipe` that npm ci never puts on PATH', () => {
    const bare = DOCS.flatMap((file) => commands(readFileSync(join(ROOT, file), 'utf8')).filter((line) => SUBCOMMAND.test(line) && !/npx vidrecipe /.test(line)).map((line) => `${file}: ${line}`));
    expect(bare).toEqual([]);
  });

  it('README shows installing it as a dev dependency, then npx', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/npm install --save-dev \S+/);
    expect(readme).toMatch(/npx vidrecipe validate recipes\/\*\.yaml/);
  });

  it('in a repository with vidrecipe as a dev dependency, `npx vidrecipe` runs it (no download)', () => {
    for (const args of [['validate', 'recipes/glue.yaml'], ['models']]) {
      // --no: npx must find it in node_modules/.bin, never fetch a package of that name.
      const result = spawnSync('npx', ['--no', 'vidrecipe', ...args], { cwd: consumer, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' } });
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
  });
});
