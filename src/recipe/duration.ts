const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds from a number of seconds or text like `90s`, `30m`, `1h30m`, `500ms`. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return value > 0 ? value * 1000 : undefined;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g)];
  const rest = value.replace(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g, '').trim();
  if (parts.length === 0 || rest !== '') return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS], 0);
}

/** `850 ms`, `4.2 s`, `12 s`, `3 min 5 s`: a duration as people read it. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m} min ${s} s` : `${m} min`;
}
