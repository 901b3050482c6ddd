import { createHash } from 'node:crypto';

/** One leg of a recipe output: its id, its matrix values (absent for a step without a matrix), its file's extension. */
export interface LayoutLeg {
  leg: string;
  matrix?: Record<string, string>;
  ext?: string;
}

/**
 * Where a recipe output's files land under `--out`, relative to it and with `/` between folders, in the
 * order of `legs`:
 * - an output of a step without a matrix: `<output><ext>`, as before batches;
 * - an output of a matrix step: `<output>/<folder>/<output><ext>` per leg, the folder naming the leg by its
 *   values (`shot=a,look=dawn`), so a folder of 300 results can be browsed and globbed
 *   (`out/x/video/shot=*,look=dawn/video.mp4`).
 * A leg's folder depends on its own values only, never on its neighbours: adding a row to a shot list does
 * not rename the other legs' folders, and a re-run finds its files where the last one put them.
 */
export function outputLayout(output: string, legs: readonly LayoutLeg[]): string[] {
  if (legs.length === 1 && !legs[0]!.matrix) return [`${output}${legs[0]!.ext ?? ''}`];
  const taken = new Map<string, number>();
  return legs.map((leg) => {
    let folder = leg.matrix ? legFolder(leg.matrix) : component(escape(leg.leg));
    // Two folders that differ only in case are one folder on macOS and Windows: the second gets `~2`.
    const key = folder.normalize('NFC').toLowerCase();
    const seen = taken.get(key) ?? 0;
    taken.set(key, seen + 1);
    if (seen) folder = `${folder}~${seen + 1}`;
    return `${output}/${folder}/${output}${leg.ext ?? ''}`;
  });
}

/** `shot=a,look=dawn`: axes in the order written, each label made safe for a file name. */
export function legFolder(matrix: Record<string, string>): string {
  return component(
    Object.entries(matrix)
      .map(([axis, label]) => `${escape(axis)}=${escape(label)}`)
      .join(','),
  );
}

/**
 * Characters no file system of the three takes in a name (Windows' `<>:"/\|?*`, controls), `%` so that
 * the encoding can be read back, and `,` `=` inside a label so that `a,b` stays one value: percent-encoded,
 * which keeps every distinct set of values a distinct folder (replacing them by `_` would not).
 */
function escape(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[<>:"/\\|?*%,=\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Longest folder name written, in UTF-8 bytes: file systems stop at 255. */
const MAX_BYTES = 200;

/**
 * An escaped name made whole: no trailing dot or space (Windows drops them), so never `.` or `..`, and not
 * longer than {@link MAX_BYTES}.
 */
function component(escaped: string): string {
  let safe = escaped.replace(/[. ]+$/, (tail) => [...tail].map((c) => (c === '.' ? '%2E' : '%20')).join(''));
  if (safe === '') safe = '%00';
  if (Buffer.byteLength(safe) <= MAX_BYTES) return safe;
  // Cut at a character, then a digest of the whole name keeps long names that share a start apart.
  const digest = createHash('sha256').update(escaped).digest('hex').slice(0, 12);
  const chars = [...safe].slice(0, MAX_BYTES);
  while (Buffer.byteLength(chars.join('')) > MAX_BYTES - digest.length - 1) chars.pop();
  // Never leave half an escape (`%2`) at the cut.
  return `${chars.join('').replace(/%[0-9A-F]?$/, '')}~${digest}`;
}
