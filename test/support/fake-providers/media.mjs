// @ts-check
// The videos the fakes return, and the input media they read. An output is either an input video's own
// bytes (so a test can tell the right file came back) or one small generated MP4 standing for a model's
// result. Nothing leaves the machine: only http URLs on loopback are fetched.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function ffmpegBinary() {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH;
  const require = createRequire(import.meta.url);
  return /** @type {{path: string}} */ (require('@ffmpeg-installer/ffmpeg')).path;
}

/** @type {Promise<Buffer> | undefined} */
let generated;

/**
 * A 64×64, 1 s, 16 fps H.264 MP4, made once per process. 16 fps because VACE refuses slower input, so a
 * generated output can feed the next step of a chain.
 */
export function generatedMp4() {
  generated ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vidrecipe-fake-'));
    try {
      const file = join(dir, 'out.mp4');
      await run(ffmpegBinary(), [
        '-hide_banner', '-loglevel', 'error', '-y',
        '-f', 'lavfi', '-i', 'testsrc=s=64x64:r=16:d=1',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
        file,
      ]);
      return await readFile(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return generated;
}

/**
 * The duration in seconds an MP4 declares in its movie header (`moov/mvhd`), or undefined when the bytes
 * are not an MP4. Reading the box beats spawning ffprobe for every finished task.
 * @param {Buffer} data
 */
export function mp4Duration(data) {
  const moov = findBox(data, 0, data.length, 'moov');
  if (!moov) return undefined;
  const mvhd = findBox(data, moov.start, moov.end, 'mvhd');
  if (!mvhd) return undefined;
  const p = mvhd.start;
  const version = data[p];
  if (version === 1) {
    if (p + 32 > data.length) return undefined;
    const timescale = data.readUInt32BE(p + 20);
    const duration = Number(data.readBigUInt64BE(p + 24));
    return timescale > 0 ? duration / timescale : undefined;
  }
  if (p + 20 > data.length) return undefined;
  const timescale = data.readUInt32BE(p + 12);
  const duration = data.readUInt32BE(p + 16);
  return timescale > 0 ? duration / timescale : undefined;
}

/**
 * The payload range of the first box of `type` among the boxes in [from, to).
 * @param {Buffer} data
 * @param {number} from
 * @param {number} to
 * @param {string} type
 */
function findBox(data, from, to, type) {
  let pos = from;
  while (pos + 8 <= to) {
    let size = data.readUInt32BE(pos);
    const name = data.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > to) return undefined;
      size = Number(data.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) {
      size = to - pos;
    }
    if (size < header) return undefined;
    if (name === type) return { start: pos + header, end: Math.min(pos + size, to) };
    pos += size;
  }
  return undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * @typedef {{kind: 'bytes', data: Buffer} | {kind: 'external'} | {kind: 'error', message: string}} Resolved
 */

/**
 * What a media URL in a task holds. `own` answers for URLs served by this fake (uploads, outputs) without
 * a round trip through the request log; other loopback http URLs are fetched; anything else is "external"
 * and never fetched, as the tests have no network.
 * @param {string} url
 * @param {(url: URL) => Buffer | null | undefined} own  bytes, null (ours, but nothing there) or undefined (not ours)
 * @returns {Promise<Resolved>}
 */
export async function resolveMedia(url, own) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'error', message: `not a URL: ${url}` };
  }
  const mine = own(parsed);
  if (mine === null) return { kind: 'error', message: 'HTTP 404' };
  if (mine) return { kind: 'bytes', data: mine };
  if (parsed.protocol !== 'http:' || !LOOPBACK.has(parsed.hostname)) return { kind: 'external' };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return { kind: 'error', message: `HTTP ${res.status}` };
    return { kind: 'bytes', data: Buffer.from(await res.arrayBuffer()) };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
