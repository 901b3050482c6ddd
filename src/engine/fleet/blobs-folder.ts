import { createReadStream, mkdirSync } from 'node:fs';
import { access, copyFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { tempBeside } from '../atomic.js';
import { safeName } from '../state-names.js';
import type { SharedBlobs } from './blobs.js';

/**
 * Blobs in a shared folder (a NAS mount): `<root>/cas/<sha256>`. Copied beside the target, then renamed,
 * so another machine sees a blob whole or not at all.
 */
export class FolderBlobs implements SharedBlobs {
  readonly name: string;
  private readonly dir: string;

  constructor(readonly root: string) {
    this.name = `file://${root}`;
    this.dir = join(root, 'cas');
  }

  private path(digest: string): string {
    return join(this.dir, safeName('digest', digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      await access(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async put(digest: string, file: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const target = this.path(digest);
    const temp = tempBeside(target);
    try {
      await copyFile(file, temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async open(digest: string): Promise<Readable | undefined> {
    if (!(await this.has(digest))) return undefined;
    return createReadStream(this.path(digest));
  }

  close(): void {}
}
