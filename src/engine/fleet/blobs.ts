import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { abortable } from '../../providers/abortable.js';
import { DigestMismatch, type ContentStore } from '../store.js';

/**
 * The shared store of blobs, by content (`cas/<sha256>`): an S3 bucket or a shared folder. Every machine
 * keeps its own local store as before; this one is where they meet. A blob is written whole or not at
 * all, and checked against its name whenever it is read, so a damaged copy is never used.
 */
export interface SharedBlobs {
  /** How the store is named in messages (`s3://bucket/prefix`, `file:///mnt/…`). */
  readonly name: string;
  has(digest: string): Promise<boolean>;
  /** Stores the file under its digest; a blob already there has the same bytes and is kept. */
  put(digest: string, file: string, bytes: number): Promise<void>;
  /** The blob's bytes, or undefined when the store has none. */
  open(digest: string): Promise<Readable | undefined>;
  close(): void;
}

/** A blob read from the shared store did not hash to its name: it is not used, and the step is recomputed. */
export class BlobDamaged extends Error {
  override name = 'BlobDamaged';
}

/** Copies under way, by local store and digest: steps of one worker starting together share one download. */
const copying = new WeakMap<ContentStore, Map<string, Promise<boolean>>>();

/**
 * Copies a shared blob into the local store, hashing while it streams; false when the shared store lacks
 * it. The copy appears under its name only once its bytes are known to match. Steps asking for the same
 * blob at once share one download, which goes on should one of them stop waiting.
 */
export function fetchBlob(shared: SharedBlobs, digest: string, local: ContentStore, signal?: AbortSignal): Promise<boolean> {
  if (local.has(digest)) return Promise.resolve(true);
  let pending = copying.get(local);
  if (!pending) copying.set(local, (pending = new Map()));
  let copy = pending.get(digest);
  if (!copy) {
    const byDigest = pending;
    copy = copyBlob(shared, digest, local).finally(() => byDigest.delete(digest));
    pending.set(digest, copy);
  }
  return signal ? abortable(copy, signal) : copy;
}

async function copyBlob(shared: SharedBlobs, digest: string, local: ContentStore): Promise<boolean> {
  const body = await shared.open(digest);
  if (!body) return false;
  try {
    await local.receive(body, dirname(local.path(digest)), undefined, digest);
  } catch (error) {
    if (!(error instanceof DigestMismatch)) throw error;
    throw new BlobDamaged(`blob ${digest} in ${shared.name} is damaged (${(error as Error).message}); it is not used`);
  }
  return true;
}

/** Stores `file` (whose bytes hash to `digest`) in the shared store unless it is there already; returns its size. */
export async function shareBlob(shared: SharedBlobs, digest: string, file: string): Promise<number> {
  const { size } = await stat(file);
  if (!(await shared.has(digest))) await shared.put(digest, file, size);
  return size;
}
