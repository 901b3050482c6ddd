/**
 * Values read from the state dir (or handed over by a provider) that become parts of file names. Each is
 * checked against what we ourselves write before a path is built from it: a record that says its digest
 * is `../../x` must not make a run read, hash or delete a file outside the state dir.
 */

/** A SHA-256 in lower-case hex: blob names, step keys. */
export const SHA256 = /^[0-9a-f]{64}$/;

/** Run ids as {@link newRunId} makes them, and whatever a later format may add: letters, digits, `.`, `_`, `-`; never `.` or `..`. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Provider task ids: WaveSpeed hex ids, DashScope UUIDs; nothing that could separate a path or a URL. */
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** The extension kept with an output so its copy opens in a player: `.mp4`, `.png`, or none. */
const OUTPUT_EXT = /^(\.[a-z0-9]{1,5})?$/;

export type NameKind = 'digest' | 'step key' | 'run id' | 'task id' | 'extension';

const PATTERNS: Record<NameKind, RegExp> = { digest: SHA256, 'step key': SHA256, 'run id': RUN_ID, 'task id': TASK_ID, extension: OUTPUT_EXT };

export function isName(kind: NameKind, value: unknown): value is string {
  return typeof value === 'string' && PATTERNS[kind].test(value);
}

/** A value that was about to become part of a path and is not one we could have written. */
export class UnsafeNameError extends Error {
  override name = 'UnsafeNameError';
}

/** `value`, when it is a well-formed `kind`; an error naming it otherwise, before any path is built from it. */
export function safeName(kind: NameKind, value: string): string {
  if (!isName(kind, value)) throw new UnsafeNameError(`refusing ${JSON.stringify(String(value).slice(0, 80))} as a ${kind}: not one vidrecipe writes, so no file name is made from it`);
  return value;
}
