/** Rounds to a micro-dollar so sums of estimates print without float noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

export const FREE = { usd: 0, basis: 'local, free' } as const;

/** `$0.50`; more decimals only when cents would hide part of the price. */
export function usd(amount: number): string {
  const cents = Math.round(amount * 100);
  if (Math.abs(amount * 100 - cents) < 1e-9) return `$${amount.toFixed(2)}`;
  return `$${Number(amount.toFixed(6)).toString()}`;
}
