import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/vidrecipe.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would: a separate process, no TTY, API keys only when given. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', WAVESPEED_API_KEY: undefined, DASHSCOPE_API_KEY: undefined, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: env as NodeJS.ProcessEnv, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface JsonDiagnostic {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  severity: 'error' | 'warning';
  rule: string;
  message: string;
  path: string;
}

/** `validate --format json`, parsed. */
export function validateJson(files: readonly string[], options?: Parameters<typeof runCli>[1]): { code: number; diagnostics: JsonDiagnostic[] } {
  const result = runCli(['validate', '--format', 'json', ...files], options);
  return { code: result.code, diagnostics: JSON.parse(result.stdout) as JsonDiagnostic[] };
}
