import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the bytes a decoder writes go: the unfilled part of the frame being read, then how many arrived. */
export interface FrameSink {
  region(): Uint8Array;
  /** `n` bytes were written into the last region; false asks the source to pause (enough frames wait). */
  filled(n: number): boolean;
}

export interface FrameSocket {
  /** The end to hand to the child as its stdout (close it in this process once the child has started). */
  childEnd: Socket;
  /** The end this process reads, straight into `sink`'s regions. */
  reader: Socket;
}

let made = 0;

/**
 * A connected pair of local sockets for a decoder's raw frames: ffmpeg writes to one end as its stdout, and the
 * other end reads straight into the frames' own buffers (net's `onread`). From a pipe Node hands over a fresh
 * 64 KiB buffer per read, to be copied into the frame and collected as garbage: at 720p that cost the main
 * thread more CPU than decoding the mask cost ffmpeg. Undefined where local sockets are not available (then
 * the caller reads a pipe).
 */
export async function openFrameSocket(sink: FrameSink): Promise<FrameSocket | undefined> {
  if (process.platform === 'win32') return undefined;
  // Short: a socket path may not exceed about 100 bytes.
  const path = join(tmpdir(), `vidrecipe-${process.pid}-${made++}.sock`);
  // The child's end is only handed on: this process never reads it.
  const server = createServer({ pauseOnConnect: true });
  let reader: Socket | undefined;
  try {
    server.listen(path);
    await once(server, 'listening');
    reader = connect({ path, onread: { buffer: () => sink.region(), callback: (n) => sink.filled(n) } });
    const [[childEnd]] = await Promise.all([once(server, 'connection') as Promise<[Socket]>, once(reader, 'connect')]);
    return { childEnd, reader };
  } catch {
    reader?.destroy();
    return undefined;
  } finally {
    // Connected sockets outlive their server; the path is not needed once they are.
    server.close();
    await rm(path, { force: true });
  }
}
