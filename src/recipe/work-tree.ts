import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The folder a recipe is trusted to read from: the git work tree that holds the recipe file, else the
 * recipe's own folder. Recipes from pull requests run in CI, so a path written in one (or a symlink to
 * one) must not reach a file of the machine outside the repository unless the user allows it.
 */
export function workTreeOf(file: string): string {
  return gitWorkTreeOf(file) ?? realDir(dirname(resolve(file)));
}

/**
 * The git work tree that holds `file`, or undefined outside git. Naming things by a path inside it is
 * only safe when there is one: two recipe folders outside git would otherwise both be the root.
 */
export function gitWorkTreeOf(file: string): string | undefined {
  for (let dir = realDir(dirname(resolve(file))); ; ) {
    if (existsSync(join(dir, '.git'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Is `path`, with every symlink followed, `root` itself or inside it? A path that does not exist is judged as written. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(realDir(root), realOrResolved(path));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function realDir(dir: string): string {
  return realOrResolved(dir);
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
