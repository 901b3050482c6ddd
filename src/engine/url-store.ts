import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnownUrl } from '../providers/types.js';
import { writeFileAtomic } from './atomic.js';
import type { Quarantine } from './quarantine.js';
import { parseRecord, urlRecordProblem } from './record-guards.js';
import { safeName } from './state-names.js';

/** A URL is offered only while it has this long left: a provider may start a task minutes after the submit. */
export const MIN_VALIDITY_MS = 60 * 60 * 1000;

/**
 * `cache/urls/<digest>.json`: where each piece of content can already be fetched by a provider (an
 * upload, an earlier task's output), so a later step or run sends a URL instead of uploading again.
 * Losing a record costs one upload, so these are written atomically but not flushed.
 */
export class UrlStore {
  private made = false;
  constructor(
    readonly dir: string,
    private readonly quarantine?: Quarantine,
  ) {}

  private file(digest: string): string {
    return join(this.dir, `${safeName('digest', digest)}.json`);
  }

  /** The valid URLs of `digest`, newest first. */
  list(digest: string, now = Date.now()): KnownUrl[] {
    let text: string;
    try {
      text = readFileSync(this.file(digest), 'utf8');
    } catch {
      return [];
    }
    const found = parseRecord<KnownUrl[]>(text, urlRecordProblem);
    if ('problem' in found) {
      // Losing it costs an upload at most; keeping it would fail every lookup of this content.
      this.quarantine?.setAside('url record', this.file(digest), found.problem, 'the content is uploaded again where a provider needs it');
      return [];
    }
    return found.record.filter((e) => valid(e, now));
  }

  find(digest: string, usable: (url: KnownUrl) => boolean): KnownUrl | undefined {
    return this.list(digest).find(usable);
  }

  remember(digest: string, url: KnownUrl): void {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    // One entry per scope and URL; expired ones are dropped on the way.
    const others = this.list(digest).filter((e) => e.url !== url.url);
    writeFileAtomic(this.file(digest), JSON.stringify([url, ...others]));
  }
}

/** A URL without an expiry (the recipe's own) is trusted; one with an expiry must have an hour left. */
function valid(url: KnownUrl, now: number): boolean {
  return !url.expiresAt || Date.parse(url.expiresAt) - now >= MIN_VALIDITY_MS;
}
