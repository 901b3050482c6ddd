import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openFrameSocket } from '../../src/media/frame-socket.js';

describe('openFrameSocket', () => {
  it.skipIf(process.platform === 'win32')('reads what the other end writes straight into the regions the sink gives, and leaves no path behind', async () => {
    // Room to spare: a read into an empty region fails (a frame queue always hands a fresh frame).
    const frame = new Uint8Array(16);
    let filled = 0;
    const socket = await openFrameSocket({ region: () => frame.subarray(filled), filled: (n) => ((filled += n), true) });
    expect(socket).toBeDefined();
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(`vidrecipe-${process.pid}-`))).toEqual([]);
    socket!.childEnd.write('01234');
    socket!.childEnd.end('56789');
    await once(socket!.reader, 'end');
    expect(filled).toBe(10);
    expect(Buffer.from(frame.subarray(0, 10)).toString()).toBe('0123456789');
  });
});
