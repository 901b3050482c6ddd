import { copyFileSync, existsSync, linkSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { MediaKind } from '../models/types.js';
import { sha256File } from './hash.js';
import { safeName } from './state-names.js';
import type { ContentStore } from './store.js';
import { fileKindWords } from '../recipe/file-kind.js';

/** A media value as a step sees it: a local file and the digest of its bytes. */
export interface MediaFile {
  path: string;
  digest: string;
}

const URL_PATTERN = /^https?:\/\//i;

/** A URL the plan did not download (it never does): its digest, and so the step's key, is unknown yet. */
export class DownloadDeferred extends Error {
  override name = 'DownloadDeferred';
}

const digestsSeen = new Map<string, string>();

/**
 * Turns the media values of a run into local files with known digests: recipe paths are hashed where
 * they are, URLs are downloaded into the store once, and step outputs (blobs without a name) get a
 * hard link with their extension, because some tools go by the extension.
 */
export class MediaFiles {
  private readonly hashed = new Map<string, Promise<MediaFile>>();
  private readonly digests = new Map<string, string>();
  private readonly origins = new Map<string, string>();
  private linked = false;

  constructor(
    private readonly store: ContentStore,
    /** Folder for this run's named links to blobs. */
    private readonly linkDir: string,
    /** The plan looks, it does not fetch: with false, a URL is an error instead of a download. */
    private readonly downloads = true,
  ) {}

  /** A recipe value: an http(s) URL, or a path relative to `baseDir`. */
  resolve(value: string, baseDir: string, signal?: AbortSignal): Promise<MediaFile> {
    const key = URL_PATTERN.test(value) ? value : resolve(baseDir, value);
    let pending = this.hashed.get(key);
    if (!pending) {
      pending = !URL_PATTERN.test(key) ? this.hash(key, value) : this.downloads ? this.fetch(key, signal) : Promise.reject(this.store.refusal(key) ?? new DownloadDeferred(`${key} is downloaded when the step runs`));
      this.hashed.set(key, pending);
      // A failed download or a missing file may be fixed before the next step asks again.
      pending.catch(() => this.hashed.delete(key));
    }
    return pending;
  }

  /** A blob of the store, under a name with `ext`. */
  blob(digest: string, ext: string): MediaFile {
    if (!this.linked) mkdirSync(this.linkDir, { recursive: true });
    this.linked = true;
    const path = join(this.linkDir, `${safeName('digest', digest)}${safeName('extension', ext)}`);
    if (!existsSync(path)) {
      try {
        linkSync(this.store.path(digest), path);
      } catch {
        copyFileSync(this.store.path(digest), path);
      }
    }
    this.digests.set(path, digest);
    return { path, digest };
  }

  digestOf(path: string): string | undefined {
    return this.digests.get(path);
  }

  /** The URL a downloaded file came from: a remote step sends it on instead of uploading the copy. */
  originOf(path: string): string | undefined {
    return this.origins.get(path);
  }

  private async hash(path: string, asWritten: string): Promise<MediaFile> {
    let info: Stats;
    try {
      info = statSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`media file not found: ${path}`);
      throw error;
    }
    if (!info.isFile()) throw new Error(`${asWritten} is ${fileKindWords(info)}, not a media file; give the path of a video or image file`);
    if (info.size === 0) throw new Error(`media file is empty: ${path}`);
    // Within one process (plan, then run) a file whose identity, size and time are unchanged is not read twice.
    const seen = `${path}\0${info.ino}\0${info.size}\0${info.mtimeMs}`;
    const digest = digestsSeen.get(seen) ?? (await sha256File(path));
    digestsSeen.set(seen, digest);
    this.digests.set(path, digest);
    return { path, digest };
  }

  private async fetch(url: string, signal?: AbortSignal): Promise<MediaFile> {
    const { digest } = await this.store.download(url, this.linkDir, signal);
    const file = this.blob(digest, mediaExt(url));
    this.origins.set(file.path, url);
    return file;
  }
}

/** The extension a media file is known by: its own (from a path or a URL's path), or the usual one of its kind. */
export function mediaExt(pathOrUrl: string, kind?: MediaKind): string {
  let path = pathOrUrl;
  try {
    if (/^https?:\/\//i.test(pathOrUrl)) path = new URL(pathOrUrl).pathname;
  } catch {
    // not a URL after all
  }
  const ext = extname(path).toLowerCase();
  if (/^\.[a-z0-9]{1,5}$/.test(ext)) return ext;
  return kind === 'image' ? '.png' : kind === 'video' ? '.mp4' : '';
}
