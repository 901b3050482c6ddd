import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { basename } from 'node:path';
import { MediaError } from './types.js';

/** How long a process asked to stop (SIGTERM) may take to finish before it is killed outright. */
export const KILL_GRACE_MS = 2_000;

// Enough for ffmpeg's closing error lines; bounded because a failing decode can print megabytes.
const STDERR_KEEP_BYTES = 16 * 1024;
const STDERR_LINES = 6;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started ffmpeg/ffprobe whose stderr is kept (the tail) and which stops when the signal aborts. */
export interface ToolProcess {
  child: ChildProcess;
  /** Settles when the process has exited and its pipes are closed; rejects only when it could not start. */
  exited: Promise<ExitStatus>;
  /** The last part of what the process wrote to stderr. */
  stderr(): string;
  /** SIGTERM now, SIGKILL after a grace period if it is still running. */
  stop(): void;
}

export interface SpawnOptions {
  signal?: AbortSignal;
  stdin?: 'pipe' | 'ignore';
  /** A socket is handed to the child as its stdout (see frame-socket.ts). */
  stdout?: 'pipe' | 'ignore' | Socket;
  cwd?: string;
}

/** Starts a tool with stderr captured; an aborted signal stops it (the caller decides what to reject with). */
export function spawnTool(bin: string, args: readonly string[], options: SpawnOptions = {}): ToolProcess {
  const child = spawn(bin, args, {
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'],
    cwd: options.cwd,
    windowsHide: true,
  });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail += chunk;
    if (tail.length > STDERR_KEEP_BYTES * 2) tail = tail.slice(-STDERR_KEEP_BYTES);
  });

  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null || killTimer) return;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  const onAbort = (): void => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const exited = new Promise<ExitStatus>((resolve, reject) => {
    // `on`, not `once`: an 'error' without a listener would crash the process.
    child.on('error', (error: NodeJS.ErrnoException) => {
      // 'error' also fires when a kill fails; only a failed start leaves no pid.
      if (child.pid !== undefined) return;
      reject(new MediaError(`could not start ${bin}: ${error.code ?? error.message}. Set ${envFor(bin)} to a working executable.`, bin));
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    options.signal?.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
  });
  // Callers may attach late (after piping data); the rejection is still delivered to them.
  exited.catch(() => {});
  if (options.signal?.aborted) stop();

  return { child, exited, stderr: () => tail, stop };
}

function envFor(bin: string): string {
  return basename(bin).toLowerCase().startsWith('ffprobe') ? 'FFPROBE_PATH' : 'FFMPEG_PATH';
}

/**
 * The lines of stderr worth showing: the last few, without pointer addresses (`[scale @ 0x55d…]`) that make
 * otherwise identical messages differ between runs.
 */
export function meaningfulStderr(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((line) => line.replace(/ @ 0x[0-9a-f]+\]/g, ']').trimEnd())
    .filter((line) => line.trim() !== '')
    .filter((line, i, all) => line !== all[i - 1]);
  return lines.slice(-STDERR_LINES).join('\n');
}

/** The error of a tool that exited unsuccessfully, naming the file it worked on and quoting its stderr. */
export function toolFailure(tool: string, status: ExitStatus, stderr: string, file?: string): MediaError {
  const said = meaningfulStderr(stderr);
  const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
  const on = file ? ` on ${file}` : '';
  const message = `${tool} failed${on} (${how})${said ? `:\n${indent(said)}` : ''}`;
  return new MediaError(message, file, said || undefined);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** The reason an aborted signal carries, as something throwable. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export interface RunProcessOptions {
  signal?: AbortSignal;
  /** How errors name the program (default: the binary's file name). */
  tool?: string;
  /** The media file the command is about, for error messages. */
  file?: string;
  cwd?: string;
  /** Called with each chunk of stdout as it arrives (then stdout is not collected). */
  onStdout?: (chunk: string) => void;
}

/**
 * Runs a tool to completion and returns its output. Rejects with the signal's reason when aborted (after the
 * process is gone, so nothing writes into the work folder afterwards), with a MediaError on failure.
 */
export async function runProcess(bin: string, args: readonly string[], options: RunProcessOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  const proc = spawnTool(bin, args, { signal, cwd: options.cwd });
  let stdout = '';
  proc.child.stdout?.setEncoding('utf8');
  proc.child.stdout?.on('data', (chunk: string) => {
    if (options.onStdout) options.onStdout(chunk);
    else stdout += chunk;
  });
  const status = await proc.exited;
  if (signal?.aborted) throw abortReason(signal);
  if (status.code !== 0) throw toolFailure(options.tool ?? basename(bin).replace(/\.exe$/i, ''), status, proc.stderr(), options.file);
  return { stdout, stderr: proc.stderr() };
}
