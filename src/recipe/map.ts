export type Raw = Record<string, unknown>;

/** A YAML mapping as JavaScript: an object that is not a list. */
export function isMap(value: unknown): value is Raw {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}
