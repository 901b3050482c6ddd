/** `$0.50`; more decimals only when cents would hide part of the price. */
export function usd(amount: number): string {
  const cents = Math.round(amount * 100);
  if (Math.abs(amount * 100 - cents) < 1e-9) return `$${amount.toFixed(2)}`;
  return `$${Number(amount.toFixed(6)).toString()}`;
}
