/**
 * The three services of the many-machines mode, as `vidrecipe.config.yaml` (or the environment) names
 * them. Parsing lives here, apart from connecting: `validate` checks a config in a pull request without
 * reaching any service.
 */

export type ServiceName = 'queue' | 'records' | 'cache';

export const SERVICE_NAMES: readonly ServiceName[] = ['queue', 'records', 'cache'];

/** The environment variable that replaces each setting of the file (a CI fleet keeps its URLs there). */
export const SERVICE_ENV: Readonly<Record<ServiceName, string>> = { queue: 'VIDRECIPE_QUEUE', records: 'VIDRECIPE_RECORDS', cache: 'VIDRECIPE_CACHE' };

/** Where the password of each service comes from when the URL carries none: never from a committed file. */
export const PASSWORD_ENV: Readonly<Record<'queue' | 'records', string>> = { queue: 'REDIS_PASSWORD', records: 'PGPASSWORD' };

export interface ServiceSetting {
  url: URL;
  /** Which setting named it: `queue at vidrecipe.config.yaml:3:8`, `VIDRECIPE_QUEUE in the environment`. */
  from: string;
}

export type FleetSettings = Partial<Record<ServiceName, ServiceSetting>>;

/** The settings of a config that uses the many-machines mode: a queue always comes with records and a cache. */
export type Fleet = Record<ServiceName, ServiceSetting>;

const EXAMPLES: Readonly<Record<ServiceName, string>> = {
  queue: 'redis://127.0.0.1:6379',
  records: 'postgres://vidrecipe@127.0.0.1:5432/vidrecipe',
  cache: 's3://my-bucket/vidrecipe or file:///mnt/shared/vidrecipe',
};

/**
 * Why `text` cannot name the service, or the parsed URL. `inFile`: a password written in the committed
 * config is refused, as a pull request would publish it; the environment may carry one.
 */
export function parseService(name: ServiceName, text: unknown, inFile: boolean): { url: URL } | { problem: string } {
  const fix = `write e.g. ${name}: ${EXAMPLES[name]}`;
  if (typeof text !== 'string' || !URL.canParse(text.trim())) return { problem: `${name} ${JSON.stringify(text)} is not a URL; ${fix}` };
  const url = new URL(text.trim());
  const scheme = url.protocol.slice(0, -1);
  switch (name) {
    case 'queue':
      if (scheme !== 'redis' && scheme !== 'rediss') return { problem: `${name} ${shownUrl(url)} is not a Redis URL (redis:// or rediss://); ${fix}` };
      if (!url.hostname) return { problem: `${name} ${shownUrl(url)} names no host; ${fix}` };
      if (url.pathname.length > 1 && !/^\/\d{1,2}$/.test(url.pathname)) return { problem: `${name} ${shownUrl(url)}: the path is the database number (e.g. /0), not ${url.pathname}` };
      break;
    case 'records':
      if (scheme !== 'postgres' && scheme !== 'postgresql') return { problem: `${name} ${shownUrl(url)} is not a PostgreSQL URL (postgres://); ${fix}` };
      if (!url.hostname) return { problem: `${name} ${shownUrl(url)} names no host; ${fix}` };
      break;
    case 'cache':
      if (scheme === 's3') {
        if (!url.hostname) return { problem: `${name} ${shownUrl(url)} names no bucket; ${fix}` };
        if (url.username || url.password) return { problem: `${name} ${shownUrl(url)}: S3 credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, not from the URL` };
      } else if (scheme === 'file') {
        if (url.hostname) return { problem: `${name} ${shownUrl(url)}: a file URL names a local folder, file:///path (three slashes); a network share is mounted first` };
        if (url.pathname === '/' || !url.pathname) return { problem: `${name} ${shownUrl(url)} names no folder; ${fix}` };
      } else return { problem: `${name} ${shownUrl(url)} is neither an s3:// bucket nor a file:/// folder; ${fix}` };
      break;
  }
  if (inFile && url.password) {
    const env = name === 'cache' ? 'the environment' : PASSWORD_ENV[name];
    return { problem: `${name}: the URL carries a password, and ${'vidrecipe.config.yaml'} is committed with the recipes; remove it from the URL and set ${env} (or the whole URL in ${SERVICE_ENV[name]}) in the environment` };
  }
  return { url };
}

/** A service URL as it may be printed: the password never is. */
export function shownUrl(url: URL): string {
  if (!url.password) return url.href.replace(/\/$/, '');
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href.replace(/\/$/, '');
}

/**
 * The services together, or why they cannot be used as given: a queue alone could pay twice (its records
 * would live in Redis) and workers elsewhere could not read the inputs, so the three go together.
 */
export function fleetOf(settings: FleetSettings): { fleet?: Fleet; problem?: { name: ServiceName; message: string } } {
  const named = SERVICE_NAMES.filter((n) => settings[n]);
  if (!named.length) return {};
  const missing = SERVICE_NAMES.filter((n) => !settings[n]);
  if (!missing.length) return { fleet: settings as Fleet };
  const first = named[0]!;
  const why = missing.map((m) => `${m}: ${EXAMPLES[m]}`).join(', ');
  return {
    problem: {
      name: first,
      message: `${named.join(' and ')} ${named.length > 1 ? 'are' : 'is'} set but not ${missing.join(' and ')}: running on many machines needs all three (the queue to share the work and the account's limits, the records so that nothing is paid twice, the cache so every machine reads the same inputs and results); add ${why}, or remove ${named.join(' and ')} to run on this machine alone`,
    },
  };
}
