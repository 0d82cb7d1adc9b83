// Bytes a block's reader writes on its own thread, into an ArrayBuffer moved whole to the reading thread.

/** Room for the first bytes when none is given; it doubles as needed. */
const START_BYTES = 64 * 1024;

/**
 * UTF-8 text appended into an ArrayBuffer of its own (not the pool's, which cannot be moved): what a worker
 * thread hands over this way is neither copied between the threads nor held as strings on either heap while the
 * block is framed.
 */
export class MovedBytes {
  private bytes: Buffer;
  private written = 0;

  /** `room`: an ArrayBuffer to write into first (one the reading thread sent back, done with). */
  constructor(room: ArrayBuffer = new ArrayBuffer(START_BYTES)) {
    this.bytes = Buffer.from(room);
  }

  /** How many bytes are written. */
  get length(): number {
    return this.written;
  }

  /** Appends `text` as UTF-8; returns how many bytes that took. */
  write(text: string): number {
    // Three bytes per UTF-16 unit at most.
    const most = 3 * text.length;
    if (this.written + most > this.bytes.length) this.grow(most);
    const bytes = this.bytes.write(text, this.written);
    this.written += bytes;
    return bytes;
  }

  /** The bytes written, over the whole ArrayBuffer (`.buffer`) that is to be moved. */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.written);
  }

  private grow(needed: number): void {
    const grown = Buffer.from(new ArrayBuffer(Math.max(2 * this.bytes.length, this.written + needed)));
    this.bytes.copy(grown, 0, 0, this.written);
    this.bytes = grown;
  }
}
