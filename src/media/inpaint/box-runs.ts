import type { Box } from './frame.js';

/**
 * Run-length coding of the bytes in a box of a plane (row by row, runs crossing row ends): each run is its
 * byte, then its length in LEB128. Fill weights are long runs of 0 and 255 with short ramps between, so a
 * region of tens of thousands of pixels packs into a few kilobytes.
 */
export class ByteWriter {
  private bytes = new Uint8Array(1024);
  private length = 0;

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value;
  }

  /** A non-negative integer, seven bits a byte, low bits first. */
  varint(value: number): void {
    while (value >= 0x80) {
      this.byte((value & 0x7f) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.byte(value);
  }

  runs(plane: Uint8Array, stride: number, box: Box): void {
    let value = -1;
    let count = 0;
    for (let y = box.y0; y < box.y1; y++) {
      const row = y * stride;
      const end = row + box.x1;
      for (let i = row + box.x0; i < end; ) {
        // The rest of this row's run in a tight loop: runs are long.
        const v = plane[i]!;
        const from = i;
        while (++i < end && plane[i] === v);
        if (v === value) count += i - from;
        else {
          if (count) this.run(value, count);
          value = v;
          count = i - from;
        }
      }
    }
    if (count) this.run(value, count);
  }

  /** The bytes written, in a buffer of their own size. */
  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  private run(value: number, count: number): void {
    this.byte(value);
    this.varint(count);
  }
}

export class ByteReader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('packed data ends early');
    return this.bytes[this.at++]!;
  }

  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
    }
  }

  /** Writes the runs of `ByteWriter.runs` back into the same box of a plane. */
  runs(plane: Uint8Array, stride: number, box: Box): void {
    let x = box.x0;
    let y = box.y0;
    while (y < box.y1) {
      const value = this.byte();
      let count = this.varint();
      while (count > 0) {
        if (y >= box.y1) throw new RangeError('packed runs overflow their box');
        const n = Math.min(count, box.x1 - x);
        plane.fill(value, y * stride + x, y * stride + x + n);
        x += n;
        count -= n;
        if (x === box.x1) {
          x = box.x0;
          y++;
        }
      }
    }
  }
}
