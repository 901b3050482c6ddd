/** Rounds to a micro-dollar so sums of estimates print without float noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

export const FREE = { usd: 0, basis: 'local, free' } as const;
