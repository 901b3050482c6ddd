import { createHash } from 'node:crypto';
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
  return createHash('sha256').update(text).digest('hex');
}

const CHUNK = 256 * 1024;

/**
 * SHA-256 of a file's bytes, read in fixed chunks: memory stays flat whatever the file size, and a small
 * file costs one open, one read and one close (a stream would add several round trips per file).
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      if (bytesRead < CHUNK && (await file.stat()).size <= 0) break;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}
