import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Backend } from '../models/types.js';
import { parseDuration } from '../recipe/duration.js';
import { RecipeSource } from '../recipe/source.js';
import { didYouMean } from '../recipe/suggest.js';
import type { Diagnostic } from '../recipe/types.js';

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
  /** DashScope only: which region's model name to use; by default read from the base URL's host. */
  region?: 'singapore' | 'beijing';
}

export type EngineConfig = Record<Backend, BackendLimits>;

/** The providers' entry tiers (DESIGN.md): WaveSpeed 2 in flight and 2/min, DashScope 2 in flight and 2/s. */
export function defaultConfig(): EngineConfig {
  return {
    wavespeed: { concurrency: 2, submissions: 2, intervalMs: 60_000, pollIntervalMs: 2_000 },
    dashscope: { concurrency: 2, submissions: 2, intervalMs: 1_000, pollIntervalMs: 5_000 },
    local: { concurrency: availableParallelism(), submissions: Infinity, intervalMs: 1_000, pollIntervalMs: 1_000 },
  };
}

const RATE = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(ms|s|sec|second|m|min|minute|h|hour)\s*$/;
const PER_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, second: 1000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };

/** `2/s`, `500/min`, `100/h` → submissions per window. */
export function parseRate(text: string): { submissions: number; intervalMs: number } | undefined {
  const m = RATE.exec(text);
  if (!m || Number(m[1]) <= 0) return undefined;
  return { submissions: Number(m[1]), intervalMs: PER_MS[m[2]!]! };
}

const backendSection = z.strictObject({
  concurrency: z.number().int().min(1).max(1000).optional(),
  rate: z.string().optional(),
  poll_interval: z.union([z.string(), z.number()]).optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  region: z.enum(['singapore', 'beijing']).optional(),
});
const configSchema = z.strictObject({ wavespeed: backendSection.optional(), dashscope: backendSection.optional(), local: backendSection.optional() }).nullable();

export interface LoadedConfig {
  config: EngineConfig;
  diagnostics: Diagnostic[];
  /** The file read, when there was one. */
  file?: string;
  /** Problems with the environment (a `*_BASE_URL` that is not a URL), for a usage error. */
  usage: string[];
}

/** Reads `vidrecipe.config.yaml` from `cwd` when present; every problem is reported at its line. */
export function loadConfig(cwd: string, env: Readonly<Record<string, string | undefined>> = process.env): LoadedConfig {
  const config = defaultConfig();
  const fromEnv = { wavespeed: env.WAVESPEED_BASE_URL, dashscope: env.DASHSCOPE_BASE_URL };
  const file = join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { config, diagnostics: [], usage: applyEnv(config, fromEnv) };
  }
  const source = new RecipeSource(CONFIG_FILE, text);
  const diagnostics: Diagnostic[] = source.doc.errors.map((e) => source.error(source.pathAt(e.pos[0]), 'yaml-syntax', e.message.split('\n')[0]!));
  if (diagnostics.length) return { config, diagnostics, file, usage: [] };
  const parsed = configSchema.safeParse(source.doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const known = path.length ? Object.keys(backendSection.shape) : ['wavespeed', 'dashscope', 'local'];
          const hint = didYouMean(key, known) || `; expected one of ${known.join(', ')}`;
          diagnostics.push(source.error([...path, key], 'config', `unknown setting "${key}"${hint}`, { key: true }));
        }
      } else {
        diagnostics.push(source.error(path, 'config', `${path.join('.')}: ${issue.message}`));
      }
    }
    return { config, diagnostics, file, usage: [] };
  }
  for (const backend of ['wavespeed', 'dashscope', 'local'] as const) {
    const section = parsed.data?.[backend];
    if (!section) continue;
    const limits = config[backend];
    if (section.concurrency !== undefined) limits.concurrency = section.concurrency;
    if (section.rate !== undefined) {
      const rate = parseRate(section.rate);
      if (rate) Object.assign(limits, rate);
      else diagnostics.push(source.error([backend, 'rate'], 'config', `rate "${section.rate}" is not a rate; write submissions per unit, e.g. 2/s, 500/min or 100/h`));
    }
    if (section.poll_interval !== undefined) {
      const ms = parseDuration(section.poll_interval);
      if (ms) limits.pollIntervalMs = ms;
      else diagnostics.push(source.error([backend, 'poll_interval'], 'config', `poll_interval "${section.poll_interval}" is not a duration; write e.g. 500ms, 2s or 1m`));
    }
    if (section.base_url !== undefined) limits.baseUrl = section.base_url.replace(/\/+$/, '');
    if (section.region !== undefined) {
      if (backend === 'dashscope') limits.region = section.region;
      else diagnostics.push(source.error([backend, 'region'], 'config', `region applies to dashscope only (its model name differs between Singapore and Beijing); remove it here`, { key: true }));
    }
  }
  // The environment wins over the file: tests and one-off runs point a provider elsewhere without editing it.
  return { config, diagnostics, file, usage: applyEnv(config, fromEnv) };
}

/** The `*_BASE_URL` variables win over the file; one that is not an http(s) URL is an error naming it. */
function applyEnv(config: EngineConfig, urls: Partial<Record<Backend, string | undefined>>): string[] {
  const problems: string[] = [];
  for (const [backend, url] of Object.entries(urls) as [Backend, string | undefined][]) {
    if (!url) continue;
    if (!/^https?:\/\/[^/\s]/i.test(url) || !URL.canParse(url)) {
      const name = `${backend.toUpperCase()}_BASE_URL`;
      problems.push(`${name}="${url}" is not an http(s) URL; set it to the endpoint's origin, e.g. https://dashscope-intl.aliyuncs.com`);
      continue;
    }
    config[backend].baseUrl = url.replace(/\/+$/, '');
  }
  return problems;
}
