import { API_KEYS } from '../providers/api-keys.js';

/** What a secret is replaced with wherever vidrecipe prints or stores text. */
export const REDACTED = '***';

/**
 * Settings whose value is a secret whatever their name: every provider's API key. Adding a provider to
 * API_KEYS is enough for its key never to be printed or stored.
 */
export const SECRET_SETTINGS: readonly string[] = Object.values(API_KEYS);

/**
 * Other environment variables treated as secrets by their name, as CI systems mask them: a key, token,
 * password or credential a future setting (or a library we call) may read. Short values are left out:
 * masking `1` or `true` would blank out every number in a report.
 */
const SECRET_NAME = /(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?|AUTH)$/i;
const MIN_GUESSED_LENGTH = 8;
/** Shorter than this, even a declared secret would match too much ordinary text to be masked safely. */
const MIN_DECLARED_LENGTH = 6;
/** A key cut short by an excerpt (`…`) leaks its first characters; this many are enough to be one. */
const MIN_PREFIX = 6;

/** Replaces secrets in text. One instance per process; the sinks (stdout, stderr, journal, reports) call it. */
export class Redactor {
  private readonly pattern: RegExp;

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      // The key as written, and as it appears inside JSON strings and URLs.
      for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) forms.add(form);
    }
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escape);
    // A secret's beginning cut off by an ellipsis, as excerpts of long provider bodies end.
    const prefixes = [...new Set([...forms].filter((f) => f.length > MIN_PREFIX))].map((f) => `${escape(f.slice(0, MIN_PREFIX))}[^\\s"'<>]*(?=…|\\.\\.\\.)`);
    // Whatever follows `Bearer` is a credential, configured here or not (a body quoting another key).
    const bearer = `(?<=\\bBearer\\s+)[A-Za-z0-9._~+/=-]+`;
    // The password of a URL (`redis://user:password@host`, a queue or database setting).
    const userinfo = `(?<=\\b[a-z][a-z0-9+.-]*://[^\\s/:@]*:)[^\\s/@]+(?=@)`;
    this.pattern = new RegExp([...alternatives, ...prefixes, bearer, userinfo].join('|'), 'gi');
  }

  /** The text with every secret replaced by {@link REDACTED}. */
  redact(text: string): string {
    return text.replace(this.pattern, REDACTED);
  }

  /** The secrets of an environment: the declared settings, and variables named like secrets. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Redactor {
    const secrets: string[] = [];
    for (const [name, raw] of Object.entries(env)) {
      const value = raw?.trim();
      if (!value) continue;
      const declared = SECRET_SETTINGS.includes(name);
      if (declared ? value.length >= MIN_DECLARED_LENGTH : SECRET_NAME.test(name) && value.length >= MIN_GUESSED_LENGTH) secrets.push(value);
    }
    return new Redactor(secrets);
  }
}

let current: Redactor | undefined;

/** The process's redactor, built from the environment on first use. */
export function redactor(): Redactor {
  return (current ??= Redactor.fromEnv());
}

/** Text as it may be printed or stored: without any secret of this process's environment. */
export function redact(text: string): string {
  return redactor().redact(text);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
