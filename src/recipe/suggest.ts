/** The candidate closest to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  let truncated: string | undefined;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const d = distance(lower, other);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
    // A cut-short or re-ended word ("retry" for "retries") shares most of its start.
    if (!truncated && lower.length >= 4 && commonPrefix(lower, other) >= Math.ceil(lower.length * 0.8)) truncated = candidate;
  }
  if (best === undefined) return undefined;
  // Mostly-digit values ("1920*1080") are near many wrong answers by edit count; demand a near match.
  const digits = (word.match(/\d/g) ?? []).length;
  // Short words are near everything: one edit at most.
  const limit = digits * 2 >= word.length || word.length <= 4 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : truncated;
}

/** "; did you mean "x"?" or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = closest(word, candidates);
  return hit === undefined ? '' : `; did you mean "${hit}"?`;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}
