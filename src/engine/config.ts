import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import type { Backend } from '../models/types.js';
import { ENDPOINTS, isLoopbackHost, isOwnHost, ownHostsText, type Provider } from '../providers/endpoints.js';
import { ALLOW_PRIVATE_ENV, DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy } from '../providers/download-policy.js';
import { parseDuration } from '../recipe/duration.js';
import { UntrustedReadError, readUntrustedText } from '../recipe/read-untrusted.js';
import { RecipeSource, type Path } from '../recipe/source.js';
import { syntaxDiagnostics } from '../recipe/syntax.js';
import { didYouMean } from '../recipe/suggest.js';
import type { Diagnostic } from '../recipe/types.js';
import { fleetOf, parseService, SERVICE_ENV, SERVICE_NAMES, type Fleet, type FleetSettings, type ServiceName } from './fleet/settings.js';

export const CONFIG_FILE = 'vidrecipe.config.yaml';

/** How hard vidrecipe may push one backend. Account quotas live here, not in recipes. */
export interface BackendLimits {
  /** Tasks in flight at once. */
  concurrency: number;
  /** Submissions allowed per `intervalMs` (rolling window). Infinity = no rate limit. */
  submissions: number;
  intervalMs: number;
  pollIntervalMs: number;
  baseUrl?: string;
  /** Which setting chose `baseUrl` (`WAVESPEED_BASE_URL in the environment`, a config line); absent for the default. */
  baseUrlFrom?: string;
  /** DashScope only: which region's model name to use; by default read from the base URL's host. */
  region?: 'singapore' | 'beijing';
}

export type EngineConfig = Record<Backend, BackendLimits> & {
  /** Media downloads (recipe URLs and task outputs): size, timeout, which addresses. */
  downloads: DownloadPolicy;
  /** The services shared by many machines (`queue`, `records`, `cache`); absent: this machine alone. */
  fleet?: Fleet;
};

/** The rules a config diagnostic can carry. */
export type ConfigRule = 'config' | 'base-url';

/** The providers' entry tiers (DESIGN.md): WaveSpeed 2 in flight and 2/min, DashScope 2 in flight and 2/s. */
export function defaultConfig(): EngineConfig {
  return {
    wavespeed: { concurrency: 2, submissions: 2, intervalMs: 60_000, pollIntervalMs: 2_000 },
    dashscope: { concurrency: 2, submissions: 2, intervalMs: 1_000, pollIntervalMs: 5_000 },
    local: { concurrency: availableParallelism(), submissions: Infinity, intervalMs: 1_000, pollIntervalMs: 1_000 },
    downloads: { ...DEFAULT_DOWNLOAD_POLICY, trustedOrigins: Object.values(ENDPOINTS).map((e) => new URL(e.defaultUrl).origin) },
  };
}

/**
 * A backend's rate as a whole number of submissions per window, or undefined for no rate limit. A
 * fractional rate (0.5/min) becomes one submission per 1/rate: rounding the count up would exceed the quota
 * the user wrote down. Every limiter (p-queue's here, PostgreSQL's and BullMQ's for a fleet) takes it so.
 */
export function rateWindow(limits: Pick<BackendLimits, 'submissions' | 'intervalMs'>): { cap: number; intervalMs: number } | undefined {
  if (!Number.isFinite(limits.submissions)) return undefined;
  return Number.isInteger(limits.submissions) ? { cap: limits.submissions, intervalMs: limits.intervalMs } : { cap: 1, intervalMs: Math.ceil(limits.intervalMs / limits.submissions) };
}

const RATE = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(ms|s|sec|second|m|min|minute|h|hour)\s*$/;
const PER_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, second: 1000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };

/** `2/s`, `500/min`, `100/h` → submissions per window. */
export function parseRate(text: string): { submissions: number; intervalMs: number } | undefined {
  const m = RATE.exec(text);
  if (!m || Number(m[1]) <= 0) return undefined;
  return { submissions: Number(m[1]), intervalMs: PER_MS[m[2]!]! };
}

export interface LoadedConfig {
  config: EngineConfig;
  /** Every problem of the file, each at its line; the config is not to be used when one is an error. */
  diagnostics: Diagnostic[];
  /** The file read, when there was one (as given, or the default name), and its text for excerpts. */
  file?: string;
  text?: string;
  /** Problems with the environment or the options (a `*_BASE_URL` that is not a URL, a missing `--config`), for a usage error. */
  usage: string[];
}

export interface ConfigOptions {
  /** `--config FILE`, relative to `cwd`: must exist. Without it, `vidrecipe.config.yaml` in `cwd` is read when present. */
  file?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the config file and the environment; every problem of the file is reported, each at its line. */
export function loadConfig(cwd: string, env: Env = process.env, options: ConfigOptions = {}): LoadedConfig {
  const config = defaultConfig();
  const name = options.file ?? CONFIG_FILE;
  const path = resolve(cwd, name);
  const usage: string[] = [];
  let text: string | undefined;
  if (options.file !== undefined || existsSync(path)) {
    // The config may come from a pull request and `validate` reads it in CI: guarded as recipes are.
    try {
      text = readUntrustedText(path, 'config');
    } catch (error) {
      const why = error instanceof UntrustedReadError ? error.message : (error as Error).message;
      usage.push(options.file !== undefined ? `--config ${options.file}: cannot read it (${why})` : `${CONFIG_FILE} in the working directory: cannot read it (${why}); fix or remove it, or give another with --config FILE`);
    }
  }
  const services: FleetSettings = {};
  const reader = text === undefined ? undefined : new ConfigReader(new RecipeSource(name, text), config, env, services);
  const diagnostics = reader?.read() ?? [];
  usage.push(...applyEnv(config, env), ...servicesFromEnv(services, env));
  const { fleet, problem } = fleetOf(services);
  if (fleet) config.fleet = fleet;
  else if (problem) {
    const where = reader?.servicePath(problem.name);
    if (where) diagnostics.push(reader!.diagnostic(where, problem.message));
    else usage.push(`${SERVICE_ENV[problem.name]} in the environment: ${problem.message}`);
  }
  // Task outputs come from where the providers are: trusted as they are, whatever address that is.
  config.downloads.trustedOrigins = (Object.keys(ENDPOINTS) as Provider[]).map((p) => new URL(config[p].baseUrl ?? ENDPOINTS[p].defaultUrl).origin);
  return { config, diagnostics, file: text === undefined ? undefined : name, text, usage };
}

type Section = Backend | 'downloads';

/** Top-level keys that take one value, not a section of settings. */
const SCALARS: readonly string[] = SERVICE_NAMES;

/** The settings each section takes. */
const SETTINGS: Readonly<Record<Section, readonly string[]>> = {
  wavespeed: ['concurrency', 'rate', 'poll_interval', 'base_url'],
  dashscope: ['concurrency', 'rate', 'poll_interval', 'base_url', 'region'],
  local: ['concurrency', 'rate', 'poll_interval'],
  downloads: ['max_size', 'timeout'],
};
const SECTIONS = Object.keys(SETTINGS) as Section[];

/** Checks the parsed file setting by setting, collecting every problem rather than stopping at the first. */
class ConfigReader {
  private readonly diagnostics: Diagnostic[] = [];

  /** Where each service setting is in the file, for a problem found after reading it. */
  private readonly servicePaths = new Map<ServiceName, Path>();

  constructor(
    private readonly source: RecipeSource,
    private readonly config: EngineConfig,
    private readonly env: Env,
    private readonly services: FleetSettings,
  ) {}

  servicePath(name: ServiceName): Path | undefined {
    return this.servicePaths.get(name);
  }

  diagnostic(at: Path, message: string): Diagnostic {
    return this.source.error(at, 'config', message);
  }

  read(): Diagnostic[] {
    const { source } = this;
    // The recipe's YAML checks, duplicate keys among them: the parser no longer reports those itself.
    this.diagnostics.push(...syntaxDiagnostics(source));
    // Positions after a syntax error are guesses: report the syntax and stop, as recipes do.
    if (this.diagnostics.some((d) => d.severity === 'error')) return this.diagnostics;
    const root = source.doc.contents as Node | null;
    if (root === null || (isScalar(root) && root.value === null)) return this.diagnostics;
    if (!isMap(root)) {
      this.error([], 'config', `${source.file} is a YAML map of sections (${SECTIONS.join(', ')}); got ${describe(root)}`);
      return this.diagnostics;
    }
    for (const pair of root.items) {
      const key = keyOf(pair);
      if (SCALARS.includes(key)) {
        this.service(key as ServiceName, pair.value as Node | null);
        continue;
      }
      if (!(SECTIONS as string[]).includes(key)) {
        this.unknown([key], [...SECTIONS, ...SCALARS]);
        continue;
      }
      if (key === 'downloads') this.downloads(pair.value as Node | null);
      else this.section(key as Backend, pair.value as Node | null);
    }
    return this.diagnostics;
  }

  private section(backend: Backend, node: Node | null): void {
    const limits = this.config[backend];
    for (const { key, value, at } of this.settings(backend, node)) {
      switch (key) {
        case 'concurrency':
          if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1000) limits.concurrency = value;
          else this.error(at, 'config', `concurrency ${show(value)} is not a number of tasks; write a whole number from 1 to 1000, e.g. 4`);
          break;
        case 'rate': {
          const rate = typeof value === 'string' ? parseRate(value) : undefined;
          if (rate) Object.assign(limits, rate);
          else this.error(at, 'config', `rate ${show(value)} is not a rate; write submissions per unit, e.g. 2/s, 500/min or 100/h`);
          break;
        }
        case 'poll_interval': {
          const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
          if (ms) limits.pollIntervalMs = ms;
          else this.error(at, 'config', `poll_interval ${show(value)} is not a duration; write e.g. 500ms, 2s or 1m`);
          break;
        }
        case 'base_url':
          this.baseUrl(backend as Provider, value, at);
          break;
        case 'region':
          if (value === 'singapore' || value === 'beijing') limits.region = value;
          else this.error(at, 'config', `region ${show(value)} is not a DashScope region; write singapore or beijing`);
          break;
      }
    }
  }

  /** `queue: redis://…` and the like; the environment's variable, when set, wins and the line is not used. */
  private service(name: ServiceName, node: Node | null): void {
    const at = [name];
    this.servicePaths.set(name, at);
    if (this.env[SERVICE_ENV[name]]) return;
    const value = isScalar(node) ? node.value : node?.toJSON();
    const parsed = parseService(name, value, true);
    if ('problem' in parsed) return this.error(at, 'config', parsed.problem);
    const [line, col] = this.position(at);
    this.services[name] = { url: parsed.url, from: `${name} at ${this.source.file}:${line}:${col}` };
  }

  private downloads(node: Node | null): void {
    for (const { key, value, at } of this.settings('downloads', node)) {
      if (key === 'max_size') {
        const bytes = parseSize(value);
        if (bytes) this.config.downloads.maxBytes = bytes;
        else this.error(at, 'config', `max_size ${show(value)} is not a size; write e.g. 500MB, 2GB or 4GiB`);
      } else {
        const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
        if (ms) this.config.downloads.timeoutMs = ms;
        else this.error(at, 'config', `timeout ${show(value)} is not a duration; write e.g. 30s or 2m`);
      }
    }
  }

  /** The known entries of a section that is a map, every other key reported; nothing for an empty section. */
  private *settings(section: Section, node: Node | null): Generator<{ key: string; value: unknown; at: Path }> {
    if (node === null || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      this.error([section], 'config', `${section}: expected a map of settings (${SETTINGS[section].join(', ')}); got ${describe(node)}`);
      return;
    }
    for (const pair of node.items) {
      const key = keyOf(pair);
      const at = [section, key];
      if (SETTINGS[section].includes(key)) yield { key, value: isScalar(pair.value) ? pair.value.value : (pair.value as Node | null)?.toJSON(), at };
      else if (key === 'region' && section !== 'downloads') this.error(at, 'config', `region applies to dashscope only (its model name differs between Singapore and Beijing); remove it here`, { key: true });
      else if (key === 'base_url' && section !== 'downloads') this.error(at, 'config', `base_url applies to wavespeed and dashscope only (local steps use no endpoint); remove it here`, { key: true });
      else this.unknown(at, SETTINGS[section]);
    }
  }

  /**
   * A base URL from the file is the provider's own host over https, or an error: the key goes where it
   * points, and the file may come from a pull request. The environment's variable wins and is the way
   * to point elsewhere, so with it set the file's value is not used (nor refused).
   */
  private baseUrl(provider: Provider, value: unknown, at: Path): void {
    const { name, env } = ENDPOINTS[provider];
    const url = typeof value === 'string' && /^https?:\/\//i.test(value) && URL.canParse(value) ? new URL(value) : undefined;
    if (!url) {
      this.error(at, 'config', `base_url ${show(value)} is not an http(s) URL; write the endpoint's origin, e.g. ${ENDPOINTS[provider].defaultUrl}`);
      return;
    }
    if (this.env[env]) return;
    const host = url.hostname;
    const fix = `To use another endpoint (a proxy, a test server), set ${env} in the environment instead, where a pull request cannot change it`;
    if (!isOwnHost(provider, host)) {
      this.error(at, 'base-url', `base_url ${url.origin} is not ${name}'s own host (${ownHostsText(provider)}); the API key would be sent there. ${fix}`);
      return;
    }
    if (url.protocol !== 'https:') {
      this.error(at, 'base-url', `base_url ${url.origin} is plain http: the API key would travel unencrypted; write https://${url.host}`);
      return;
    }
    const [line, col] = this.position(at);
    Object.assign(this.config[provider], { baseUrl: (value as string).replace(/\/+$/, ''), baseUrlFrom: `base_url at ${this.source.file}:${line}:${col}` });
  }

  private position(at: Path): [number, number] {
    const d = this.source.error(at, 'config', '');
    return [d.line, d.col];
  }

  private unknown(at: Path, known: readonly string[]): void {
    const key = String(at.at(-1));
    const hint = didYouMean(key, known) || `; expected one of ${known.join(', ')}`;
    this.error(at, 'config', `unknown setting "${key}"${hint}`, { key: true });
  }

  private error(at: Path, rule: ConfigRule, message: string, options?: { key?: boolean }): void {
    this.diagnostics.push(this.source.error(at, rule, message, options));
  }
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|bytes?|kb|mb|gb|tb|kib|mib|gib|tib|k|m|g)?\s*$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, byte: 1, bytes: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3, tib: 1024 ** 4 };

/** `500MB` (decimal), `2GiB` (binary), or a number of bytes; undefined for anything else or zero. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SIZE.exec(value);
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!);
  return bytes >= 1 ? bytes : undefined;
}

function keyOf(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
}

function describe(node: Node): string {
  if (isScalar(node)) return node.value === null ? 'nothing' : `${typeof node.value} ${show(node.value)}`;
  return isMap(node) ? 'a map' : 'a list';
}

/** `VIDRECIPE_QUEUE` and the others win over the file's lines: a CI fleet keeps its URLs (and passwords) in secrets. */
function servicesFromEnv(services: FleetSettings, env: Env): string[] {
  const problems: string[] = [];
  for (const name of SERVICE_NAMES) {
    const value = env[SERVICE_ENV[name]];
    if (!value) continue;
    const parsed = parseService(name, value, false);
    if ('problem' in parsed) problems.push(`${SERVICE_ENV[name]} in the environment: ${parsed.problem}`);
    else services[name] = { url: parsed.url, from: `${SERVICE_ENV[name]} in the environment` };
  }
  return problems;
}

/**
 * The `*_BASE_URL` variables win over the file: the environment is the user's own, so any https host is
 * accepted there; plain http only on loopback (a test server), as the key travels with every request.
 */
function applyEnv(config: EngineConfig, env: Env): string[] {
  const problems: string[] = [];
  const allow = env[ALLOW_PRIVATE_ENV]?.trim().toLowerCase();
  if (allow === '1' || allow === 'true' || allow === 'yes') config.downloads.allowPrivate = true;
  else if (allow && allow !== '0' && allow !== 'false' && allow !== 'no') problems.push(`${ALLOW_PRIVATE_ENV}="${env[ALLOW_PRIVATE_ENV]}": write 1 to allow media URLs on loopback and private addresses, or 0`);
  for (const provider of Object.keys(ENDPOINTS) as Provider[]) {
    const name = ENDPOINTS[provider].env;
    const url = env[name];
    if (!url) continue;
    if (!/^https?:\/\/[^/\s]/i.test(url) || !URL.canParse(url)) {
      problems.push(`${name}="${url}" is not an http(s) URL; set it to the endpoint's origin, e.g. ${ENDPOINTS[provider].defaultUrl}`);
      continue;
    }
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      problems.push(`${name}=${parsed.origin} is plain http to another machine: the API key would travel unencrypted; use https (plain http is accepted on loopback only, for test servers)`);
      continue;
    }
    Object.assign(config[provider], { baseUrl: url.replace(/\/+$/, ''), baseUrlFrom: `${name} in the environment` });
  }
  return problems;
}
