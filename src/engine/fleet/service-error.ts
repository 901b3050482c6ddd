import type { ServiceSetting } from './settings.js';
import { shownUrl } from './settings.js';

/**
 * A shared service that cannot be used as configured: it does not answer, refuses the credentials, lacks
 * the database or bucket. Says which setting named it and how to fix it; the CLI turns it into a usage
 * error at start, before anything runs.
 */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(setting: ServiceSetting, what: string, fix: string, options?: ErrorOptions) {
    super(`${setting.from}: ${shownUrl(setting.url)}: ${what}; ${fix}`, options);
  }
}

/** The code of a connection error (ECONNREFUSED, ENOTFOUND …), or of the first error an aggregate holds. */
export function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: unknown[] } | undefined;
  if (typeof e?.code === 'string') return e.code;
  return e?.errors?.length ? errorCode(e.errors[0]) : undefined;
}

/** A short cause for a message: the code and the first line of what the library said. */
export function causeText(error: unknown): string {
  const message = (error as Error)?.message?.split('\n')[0] || String(error);
  const code = errorCode(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
