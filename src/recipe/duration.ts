const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds from a number of seconds or text like `90s`, `30m`, `1h30m`, `500ms`. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return value > 0 ? value * 1000 : undefined;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g)];
  const rest = value.replace(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g, '').trim();
  if (parts.length === 0 || rest !== '') return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS], 0);
}
