import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { fileKindWords } from './file-kind.js';
import { isInside, workTreeOf } from './work-tree.js';

/**
 * The largest recipe read. A recipe of 1,000 steps is about 130 KiB; past this, a file is not a recipe
 * someone wrote (or it is a generated one that should be split into sub-recipes). Fixed, not a setting.
 */
export const MAX_RECIPE_BYTES = 4 * 1024 * 1024;

/** Why a recipe path cannot be read, in words that name the fix; never anything of the file's content. */
export class RecipeReadError extends Error {
  override name = 'RecipeReadError';
}

/**
 * The text of a recipe file. Only a regular file is read, and at most {@link MAX_RECIPE_BYTES}: `/dev/zero`
 * would grow without bound and a FIFO would block. A recipe that is a symlink must stay inside the work
 * tree of the link's own folder: recipes come from pull requests, and a link to `~/.aws/credentials`
 * would otherwise have its lines quoted back in the diagnostics of a public CI log.
 */
export function readRecipeText(file: string): string {
  let link = false;
  try {
    link = lstatSync(file).isSymbolicLink();
  } catch (error) {
    throw new RecipeReadError(reason(error));
  }
  if (link) {
    const root = workTreeOf(file);
    if (!isInside(root, file)) {
      throw new RecipeReadError(`it is a symbolic link that leads outside the work tree ${root}; vidrecipe does not read recipes through such links. Copy the recipe into the repository instead`);
    }
  }
  let fd: number;
  try {
    // Non-blocking, so opening a FIFO without a writer returns at once and is refused below.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new RecipeReadError(reason(error));
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new RecipeReadError(`it is ${fileKindWords(info)}, not a file; give the path of a recipe file`);
    if (info.size > MAX_RECIPE_BYTES) throw new RecipeReadError(tooBig(info.size));
    // The size can change while reading; never read more than the limit and one byte to notice.
    const buffer = Buffer.alloc(Math.min(info.size, MAX_RECIPE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) {
        if (length > MAX_RECIPE_BYTES) throw new RecipeReadError(tooBig(length));
        break;
      }
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function tooBig(bytes: number): string {
  const size = `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `it is ${size}, more than the ${MAX_RECIPE_BYTES / 1024 / 1024} MiB vidrecipe reads as a recipe (a 1,000-step recipe is about 130 KiB); split it into smaller recipes`;
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'a loop of symbolic links';
  if (code === 'EISDIR') return 'it is a directory, not a file; give the path of a recipe file';
  return (error as Error).message;
}
