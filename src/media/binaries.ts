import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { MediaError } from './types.js';

type Tool = 'ffmpeg' | 'ffprobe';

/** ffmpeg or ffprobe cannot be found or run: a problem of the machine, not of any file it was to read. */
export class ToolError extends MediaError {
  override name = 'ToolError';
}

const ENV: Readonly<Record<Tool, string>> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };
const PACKAGE: Readonly<Record<Tool, string>> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };

/** The ffmpeg to run: `FFMPEG_PATH`, else one on `PATH`, else the binary shipped in @ffmpeg-installer/ffmpeg. */
export function ffmpegPath(): string {
  return resolveTool('ffmpeg');
}

/** The ffprobe to run: `FFPROBE_PATH`, else one on `PATH`, else the binary shipped in @ffprobe-installer/ffprobe. */
export function ffprobePath(): string {
  return resolveTool('ffprobe');
}

// Keyed by what the answer depends on, so a test (or a long-lived host) that changes FFMPEG_PATH or PATH
// gets a fresh lookup while every other call is a map hit.
const resolved = new Map<string, string>();

function resolveTool(tool: Tool): string {
  const fromEnv = process.env[ENV[tool]];
  const key = `${tool}\0${fromEnv ?? ''}\0${process.env.PATH ?? ''}`;
  const hit = resolved.get(key);
  if (hit !== undefined) return hit;
  const found = fromEnv ? fromEnvironment(tool, fromEnv) : (onPath(tool) ?? fromPackage(tool));
  if (found === undefined) {
    throw new ToolError(
      `${tool} not found: it is not on PATH and the ${PACKAGE[tool]} package has no binary for ${process.platform}-${process.arch}. ` +
        `Install ffmpeg (e.g. \`apt-get install ffmpeg\` or \`brew install ffmpeg\`), or set ${ENV[tool]} to the ${tool} executable.`,
    );
  }
  resolved.set(key, found);
  return found;
}

// An explicit setting that is wrong is an error, not a reason to silently run some other ffmpeg.
function fromEnvironment(tool: Tool, file: string): string {
  if (!isExecutableFile(file)) {
    throw new ToolError(`${ENV[tool]} is set to ${file}, which is not an executable file; point it at the ${tool} binary or unset it.`, file);
  }
  return file;
}

function onPath(tool: Tool): string | undefined {
  const names = process.platform === 'win32' ? [`${tool}.exe`, tool] : [tool];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function fromPackage(tool: Tool): string | undefined {
  let file: string;
  try {
    // The installer packages are CommonJS and throw (sometimes a bare string) on unsupported platforms.
    const required = createRequire(import.meta.url)(PACKAGE[tool]) as { path?: unknown };
    if (typeof required.path !== 'string') return undefined;
    file = required.path;
  } catch {
    return undefined;
  }
  if (isExecutableFile(file)) return file;
  // The packages' only install script is a `chmod u+x`; installs with --ignore-scripts or by another user skip it.
  try {
    chmodSync(file, statSync(file).mode | 0o111);
  } catch {
    return undefined;
  }
  return isExecutableFile(file) ? file : undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const versions = new Map<string, Promise<string>>();

/**
 * The first line of `ffmpeg -version`, for reports (what made the outputs). Rejects, never throws,
 * when no ffmpeg can be found.
 */
export async function ffmpegVersion(): Promise<string> {
  const bin = ffmpegPath();
  let version = versions.get(bin);
  if (version === undefined) {
    version = new Promise<string>((resolve, reject) => {
      execFile(bin, ['-version'], { encoding: 'utf8', timeout: 30_000 }, (error, stdout) => {
        const first = stdout.split('\n', 1)[0]?.trim();
        if (error || !first) reject(new MediaError(`could not run ${bin} -version: ${error?.message ?? 'it printed nothing'}`, bin));
        else resolve(first);
      });
    });
    // A failure (e.g. a binary being replaced) should not stick for the rest of the process.
    version.catch(() => versions.delete(bin));
    versions.set(bin, version);
  }
  return version;
}
