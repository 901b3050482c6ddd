import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy } from '../providers/download-policy.js';
import { openMedia, refusedUrl } from '../providers/media-download.js';
import { tempBeside } from './atomic.js';
import { sha256File } from './hash.js';
import { safeName } from './state-names.js';

/** Bytes received for a digest hashed to another: they never enter the store. */
export class DigestMismatch extends Error {
  override name = 'DigestMismatch';
}

/**
 * Content-addressed blobs: `objects/<sha256>`. A blob appears whole under its final name or not at
 * all (temp file, then rename), so a crash or a second run writing the same blob never leaves a
 * half-written object behind.
 */
export class ContentStore {
  private made = false;

  // Nothing is created until something is stored: `plan` reads a state dir it may not write to.
  constructor(
    readonly dir: string,
    /** Limits of {@link download}: size, timeout, which addresses. */
    private readonly downloads: DownloadPolicy = DEFAULT_DOWNLOAD_POLICY,
  ) {}

  private ensureDir(): void {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
  }

  /** Where a blob lives; a digest that is not a sha256 (from a damaged record) never becomes a path. */
  path(digest: string): string {
    return join(this.dir, safeName('digest', digest));
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
   * Stores a file. One we own (`move`, an executor's output) is renamed straight onto its digest's
   * name: rename is atomic, and a blob already there has the same bytes, so replacing it changes
   * nothing a reader sees. Anything else is copied beside the target first, so it too appears whole.
   */
  async adopt(file: string, move: boolean): Promise<string> {
    this.ensureDir();
    const digest = await sha256File(file);
    const target = this.path(digest);
    if (move) {
      try {
        renameSync(file, target);
        return digest;
      } catch {
        // another file system: copy instead
      }
    }
    const temp = tempBeside(target);
    await copyFile(file, temp);
    await rename(temp, target);
    if (move) await rm(file, { force: true });
    return digest;
  }

  /** Why {@link download} would refuse `url` before connecting (a loopback or private address written out), if it would. */
  refusal(url: string): Error | undefined {
    return refusedUrl(url, this.downloads);
  }

  /**
   * Downloads a URL into the store, hashing while it streams, within the store's download policy (size,
   * timeout, addresses, media only). The partial file lives in `tempDir` (a run's work folder, on the same
   * file system), so a download cut short by kill -9 is cleaned up with it.
   */
  async download(url: string, tempDir: string, signal?: AbortSignal): Promise<{ digest: string; bytes: number }> {
    this.ensureDir();
    return this.receive(await openMedia(url, this.downloads, signal), tempDir, signal);
  }

  /**
   * Streams `body` into the store, hashing while it streams; the partial file lives in `tempDir` (on the
   * same file system). With `expected`, bytes that hash otherwise are refused and never appear in the store.
   */
  async receive(body: Readable, tempDir: string, signal?: AbortSignal, expected?: string): Promise<{ digest: string; bytes: number }> {
    this.ensureDir();
    const hash = createHash('sha256');
    mkdirSync(tempDir, { recursive: true });
    const temp = tempBeside(join(tempDir, 'download'));
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, tee, createWriteStream(temp), { signal });
      const digest = hash.digest('hex');
      if (expected !== undefined && digest !== expected) throw new DigestMismatch(`its bytes hash to ${digest}, not ${expected}`);
      const { size } = await stat(temp);
      await rename(temp, this.path(digest));
      return { digest, bytes: size };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

}
