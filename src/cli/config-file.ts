import { loadConfig, type LoadedConfig } from '../engine/config.js';
import { UsageError } from './exit.js';

/**
 * The config that `validate`, `plan` and `run` check: `--config FILE`, else `vidrecipe.config.yaml` in
 * the working directory when there is one. Problems of the file come back as diagnostics, to be shown
 * with the recipe's; a `--config` that cannot be read or a bad `*_BASE_URL` is a usage error.
 */
export function readConfig(options: { config?: string }): LoadedConfig {
  const loaded = loadConfig(process.cwd(), process.env, { file: options.config });
  if (loaded.usage.length) throw new UsageError(loaded.usage.join('\n'));
  return loaded;
}

/** Adds the config's text to the sources the diagnostics quote from. */
export function withConfigSource(sources: Map<string, string>, loaded: LoadedConfig): Map<string, string> {
  if (loaded.file !== undefined && loaded.text !== undefined) sources.set(loaded.file, loaded.text);
  return sources;
}
