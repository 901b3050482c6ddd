// Kept apart from the download itself: the config reads these, and `validate` should not load node:https for them.

/** What a media download may do: how much, how slowly, and to which addresses. */
export interface DownloadPolicy {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Longest wait for the connection, the answer, or the next bytes of the body. */
  timeoutMs: number;
  /** Loopback and private addresses allowed for every URL (`VIDRECIPE_ALLOW_PRIVATE_URLS`). */
  allowPrivate: boolean;
  /**
   * Origins trusted as the providers are (their configured base URLs): their task outputs are downloaded
   * wherever they resolve, since the key already goes there.
   */
  trustedOrigins: readonly string[];
}

export const ALLOW_PRIVATE_ENV = 'VIDRECIPE_ALLOW_PRIVATE_URLS';

export const DEFAULT_DOWNLOAD_POLICY: DownloadPolicy = { maxBytes: 2 * 1024 ** 3, timeoutMs: 60_000, allowPrivate: false, trustedOrigins: [] };
