import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, RULE_NAMES } from '../src/models/diagnostic-rules.js';
import { ROOT, runCli } from './support/cli.js';

// One list of rule names (the type makes it closed); these check the list against its readers.
const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
const code = sources('src')
  .filter((f) => !f.endsWith('diagnostic-rules.ts'))
  .map((f) => readFileSync(join(ROOT, f), 'utf8'))
  .join('\n');

describe('rule names', () => {
  it('are kebab-case, each with a description', () => {
    for (const name of RULE_NAMES) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(RULES[name].length, name).toBeGreaterThan(20);
    }
  });

  it.each(RULE_NAMES)('%s is reported somewhere (no rule listed that nothing reports)', (name) => {
    expect(code).toContain(`'${name}'`);
  });

  it('docs/recipes.md lists every rule, generated from the list', () => {
    const doc = readFileSync(join(ROOT, 'docs/recipes.md'), 'utf8');
    for (const name of RULE_NAMES) expect(doc).toContain(`| \`${name}\` | ${RULES[name]}`);
  });

  it('every rule the CLI reports on the invalid fixtures is in the list', () => {
    const dir = 'test/fixtures/invalid';
    const files = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.yaml')).map((f) => `${dir}/${f}`);
    const result = runCli(['validate', '--format', 'json', ...files]);
    const reported = new Set((JSON.parse(result.stdout) as { rule: string }[]).map((d) => d.rule));
    expect(reported.size).toBeGreaterThan(10);
    expect([...reported].filter((r) => !(RULE_NAMES as string[]).includes(r))).toEqual([]);
  });
});
