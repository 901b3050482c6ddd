import type { MediaKind, ValueKind } from '../models/types.js';

/** How messages name a kind of value: "needs a video, but … is an image". */
export const KIND_WORDS: Readonly<Record<ValueKind | 'list' | 'table', string>> = {
  video: 'a video',
  image: 'an image',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  list: 'a list',
  table: 'a table',
};

/** What a media value is written as. */
export function mediaWords(kind: MediaKind): string {
  return `a path or URL to ${KIND_WORDS[kind]}`;
}

const JSON_TYPE_WORDS: Readonly<Record<string, string>> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'a map of key: value',
  array: 'a list',
  null: 'empty',
};

/** A JSON Schema `type` (possibly `a,b`) in words. */
export function jsonTypeWords(type: string): string {
  return type
    .split(',')
    .map((t) => JSON_TYPE_WORDS[t] ?? t)
    .join(' or ');
}

/** A value as a message quotes it: short, and never a whole map or list. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…"` : text;
}
