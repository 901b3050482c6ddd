import { createHash, hash as digestOf } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * JSON with object keys sorted at every level, so equal values hash equally whatever order they were
 * written in. Numbers use JSON's own shortest form; `undefined` members are dropped as JSON does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`cannot hash a non-finite number (${value})`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256(text: string): string {
  return digestOf('sha256', text, 'hex');
}

const CHUNK = 256 * 1024;
/** Files up to this size are read in one synchronous call: a few ms at most, and no thread-pool round trips. */
const SMALL = 4 * 1024 * 1024;

/**
 * SHA-256 of a file's bytes. Small files (previews, masks, frames) are read at once; big ones in fixed
 * chunks, so memory stays flat whatever the size and the event loop keeps turning.
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  if (statSync(path).size <= SMALL) return hash.update(readFileSync(path)).digest('hex');
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}
