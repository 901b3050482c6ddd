import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { fileKindWords } from './file-kind.js';
import { isInside, workTreeOf } from './work-tree.js';

/**
 * The largest recipe (or config) read. A recipe of 1,000 steps is about 130 KiB; past this, a file is not
 * a recipe someone wrote (or it is a generated one that should be split into sub-recipes). Fixed, not a setting.
 */
export const MAX_RECIPE_BYTES = 4 * 1024 * 1024;

/** Why a path cannot be read, in words that name the fix; never anything of the file's content. */
export class UntrustedReadError extends Error {
  override name = 'UntrustedReadError';
}

/** What is being read, for the messages: `recipe` or `config`. */
export type UntrustedKind = 'recipe' | 'config' | 'table';

/**
 * The text of a file a pull request may have committed: a recipe or `vidrecipe.config.yaml`. Only a
 * regular file is read, and at most {@link MAX_RECIPE_BYTES}: `/dev/zero` would grow without bound and a
 * FIFO would block. A symlink must stay inside the work tree of the link's own folder: a link to
 * `~/.aws/credentials` would otherwise have its lines quoted back in the diagnostics of a public CI log.
 */
export function readUntrustedText(file: string, kind: UntrustedKind): string {
  let link = false;
  try {
    link = lstatSync(file).isSymbolicLink();
  } catch (error) {
    throw new UntrustedReadError(reason(error, kind));
  }
  if (link) {
    const root = workTreeOf(file);
    if (!isInside(root, file)) {
      throw new UntrustedReadError(`it is a symbolic link that leads outside the work tree ${root}; vidrecipe does not read ${kind === 'recipe' ? 'recipes' : kind === 'table' ? 'tables' : 'config files'} through such links. Copy the ${kind} into the repository instead`);
    }
  }
  let fd: number;
  try {
    // Non-blocking, so opening a FIFO without a writer returns at once and is refused below.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UntrustedReadError(reason(error, kind));
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new UntrustedReadError(`it is ${fileKindWords(info)}, not a file; give the path of a ${kind} file`);
    if (info.size > MAX_RECIPE_BYTES) throw new UntrustedReadError(tooBig(info.size, kind));
    // The size can change while reading; never read more than the limit and one byte to notice.
    const buffer = Buffer.alloc(Math.min(info.size, MAX_RECIPE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) {
        if (length > MAX_RECIPE_BYTES) throw new UntrustedReadError(tooBig(length, kind));
        break;
      }
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function tooBig(bytes: number, kind: UntrustedKind): string {
  const size = `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (kind !== 'recipe') return `it is ${size}, more than the ${MAX_RECIPE_BYTES / 1024 / 1024} MiB vidrecipe reads as a ${kind === 'config' ? 'config file' : 'table; split the batch into several tables'}`;
  return `it is ${size}, more than the ${MAX_RECIPE_BYTES / 1024 / 1024} MiB vidrecipe reads as a recipe (a 1,000-step recipe is about 130 KiB); split it into smaller recipes`;
}

function reason(error: unknown, kind: UntrustedKind): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'a loop of symbolic links';
  if (code === 'EISDIR') return `it is a directory, not a file; give the path of a ${kind} file`;
  return (error as Error).message;
}
