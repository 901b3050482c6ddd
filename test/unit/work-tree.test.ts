import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitWorkTreeOf, isInside, workTreeOf } from '../../src/recipe/work-tree.js';

describe('work tree', () => {
  const top = mkdtempSync(join(tmpdir(), 'vidrecipe-wt-'));
  const repo = join(top, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'recipes', 'deep'), { recursive: true });
  writeFileSync(join(repo, 'recipes', 'deep', 'a.yaml'), 'version: 1\n');
  writeFileSync(join(top, 'secret.txt'), 'key\n');
  symlinkSync(join(top, 'secret.txt'), join(repo, 'recipes', 'leak.yaml'));
  mkdirSync(join(top, 'loose'));

  it('is the git work tree holding the recipe, else the recipe folder', () => {
    expect(workTreeOf(join(repo, 'recipes', 'deep', 'a.yaml'))).toBe(workTreeOf(join(repo, 'x.yaml')));
    expect(workTreeOf(join(repo, 'x.yaml')).endsWith('repo')).toBe(true);
    expect(workTreeOf(join(top, 'loose', 'r.yaml')).endsWith('loose')).toBe(true);
  });

  it('has no git work tree outside git, where the recipe folder is not one', () => {
    expect(gitWorkTreeOf(join(repo, 'recipes', 'deep', 'a.yaml'))).toBe(workTreeOf(join(repo, 'x.yaml')));
    expect(gitWorkTreeOf(join(top, 'loose', 'r.yaml'))).toBeUndefined();
  });

  it('follows symlinks and sees through ..', () => {
    const root = workTreeOf(join(repo, 'x.yaml'));
    expect(isInside(root, join(repo, 'recipes', 'deep', 'a.yaml'))).toBe(true);
    expect(isInside(root, join(repo, 'recipes', 'leak.yaml'))).toBe(false);
    expect(isInside(root, join(repo, 'recipes', '..', '..', 'secret.txt'))).toBe(false);
    expect(isInside(root, root)).toBe(true);
  });
});
