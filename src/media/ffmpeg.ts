import { ffmpegPath } from './binaries.js';
import { runProcess } from './process.js';
import type { FfmpegProgress } from './types.js';

export interface RunFfmpegOptions {
  signal?: AbortSignal;
  onProgress?: (progress: FfmpegProgress) => void;
  /** Seconds of output the command should write; makes `fraction` available in progress. */
  expectedSec?: number;
  /** The media file the command is about, named in error messages. */
  file?: string;
  /** Working folder of the process (lets filter arguments name files without path escaping). */
  cwd?: string;
}

// -loglevel error: stderr then holds only what went wrong, which is what an error message quotes.
// -nostats + -progress: machine-readable progress on stdout instead of the \r-redrawn stats line.
const PREAMBLE = ['-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-y'];

/**
 * Runs ffmpeg with `args` (inputs, filters, outputs). Resolves when it exited successfully; rejects with the
 * signal's reason when aborted (the process is stopped first), or a MediaError quoting ffmpeg's last error
 * lines and naming `file`.
 */
export async function runFfmpeg(args: readonly string[], options: RunFfmpegOptions = {}): Promise<void> {
  const parser = options.onProgress ? new ProgressParser(options.onProgress, options.expectedSec) : undefined;
  await runProcess(ffmpegPath(), [...PREAMBLE, ...args], {
    signal: options.signal,
    file: options.file,
    cwd: options.cwd,
    tool: 'ffmpeg',
    onStdout: (chunk) => parser?.push(chunk),
  });
}

/**
 * Reads `-progress` output: `key=value` lines, one block per report, each ending with
 * `progress=continue` or `progress=end`.
 */
export class ProgressParser {
  private partial = '';
  private block = new Map<string, string>();

  constructor(
    private readonly onProgress: (progress: FfmpegProgress) => void,
    private readonly expectedSec?: number,
  ) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (key === 'progress') this.flush(value === 'end');
      else this.block.set(key, value);
    }
  }

  private flush(end: boolean): void {
    const block = this.block;
    this.block = new Map();
    const outTimeSec = outTime(block);
    const frame = Number(block.get('frame'));
    const progress: FfmpegProgress = { outTimeSec, frame: Number.isFinite(frame) ? frame : 0 };
    if (this.expectedSec !== undefined && this.expectedSec > 0) {
      progress.fraction = end ? 1 : Math.min(1, Math.max(0, outTimeSec / this.expectedSec));
    } else if (end) {
      progress.fraction = 1;
    }
    this.onProgress(progress);
  }
}

function outTime(block: Map<string, string>): number {
  // out_time_ms is microseconds despite its name (an old ffmpeg mistake kept for compatibility); newer builds
  // add out_time_us. Early blocks say N/A, and a negative start offset can make them negative.
  for (const key of ['out_time_us', 'out_time_ms']) {
    const micro = Number(block.get(key));
    if (Number.isFinite(micro)) return Math.max(0, micro / 1e6);
  }
  const clock = /^(-?)(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(block.get('out_time') ?? '');
  if (clock && !clock[1]) return Number(clock[2]) * 3600 + Number(clock[3]) * 60 + Number(clock[4]);
  return 0;
}
