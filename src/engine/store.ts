import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempBeside } from './atomic.js';
import { sha256File } from './hash.js';

/**
 * Content-addressed blobs: `objects/<sha256>`. A blob appears whole under its final name or not at
 * all (temp file, then rename), so a crash or a second run writing the same blob never leaves a
 * half-written object behind.
 */
export class ContentStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(digest: string): string {
    return join(this.dir, digest);
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  /** Re-hashes a blob; a blob whose bytes no longer match its name is removed so it gets recomputed. */
  async verify(digest: string): Promise<boolean> {
    try {
      if ((await sha256File(this.path(digest))) === digest) return true;
    } catch {
      return false;
    }
    await rm(this.path(digest), { force: true });
    return false;
  }

  /**
   * Stores a file we own (an executor's output). It is renamed straight onto its digest's name: rename
   * is atomic, and a blob already there has the same bytes, so replacing it changes nothing a reader sees.
   */
  async adopt(file: string): Promise<string> {
    const digest = await sha256File(file);
    const target = this.path(digest);
    try {
      renameSync(file, target);
    } catch {
      // Another file system: copy beside the target first, so the blob still appears whole.
      const temp = tempBeside(target);
      await copyFile(file, temp);
      await rename(temp, target);
      await rm(file, { force: true });
    }
    return digest;
  }

  /** Downloads a URL into the store, hashing while it streams. */
  async download(url: string, signal?: AbortSignal): Promise<{ digest: string; bytes: number }> {
    const response = await fetch(url, { signal });
    if (!response.ok || !response.body) throw new Error(`download of ${redactUrl(url)} failed: HTTP ${response.status} ${response.statusText}`);
    const hash = createHash('sha256');
    const temp = tempBeside(join(this.dir, 'download'));
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), tee, createWriteStream(temp), { signal });
      const digest = hash.digest('hex');
      const { size } = await stat(temp);
      await rename(temp, this.path(digest));
      return { digest, bytes: size };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

/** A URL fit for messages: signed query strings (tokens, signatures) stay out of logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.search ? `${u.origin}${u.pathname}?…` : url;
  } catch {
    return url;
  }
}
