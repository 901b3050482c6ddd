import type { Stats } from 'node:fs';

/** What a path that is not a regular file is, in words: "a character device (like /dev/zero)". */
export function fileKindWords(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice()) return 'a character device (like /dev/zero or a terminal)';
  if (info.isBlockDevice()) return 'a block device (a disk)';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}
