// The chunk scanner's inner loop for quiet lines (plain, CRI, Docker), in WebAssembly (quiet-lines.wat): one instance per thread.
import type { ContainerFormat } from './container.js';
import { QUIET_LINES_WASM } from './quiet-lines-wasm.js';

/** The loop's format numbers. */
const FORMATS: readonly ContainerFormat[] = ['plain', 'cri', 'docker'];

/** Where a copied chunk's bytes go in the module's memory (below: the counts and the last call's result). */
const DATA = 64;
/** The most bytes one `load` copies in: the scanner cuts longer chunks (a read is 1 MiB). */
export const SCAN_BYTES = 1024 * 1024;
/** The loops read whole steps of up to 32 bytes, and a marker's next 7 bytes: room after the chunk's end. */
const SLACK = 64;
const PAGE = 64 * 1024;
/** Read buffers start this far past a page boundary (sources/files.ts's `readBuffer` says why). */
const READ_SKEW = 64;

interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  quiet(pos: number, end: number, max: number, format: number): number;
}

// The part of the WebAssembly API used here (@types/node 20 does not declare it).
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

// Scanning is synchronous: every scanner of the thread shares the one instance. Its memory holds the copy area
// and two read buffers, and never grows after this: growing would detach the buffers' views.
const kernel = new Instance(new Module(Buffer.from(QUIET_LINES_WASM, 'base64'))).exports as Kernel;
const READ_AT = [1, 2].map((k) => k * (SCAN_BYTES + PAGE) + READ_SKEW);
const MEMORY_BYTES = (READ_AT[1] as number) + SCAN_BYTES + SLACK;
kernel.memory.grow(Math.ceil(MEMORY_BYTES / PAGE) - kernel.memory.buffer.byteLength / PAGE);
const bytes = new Uint8Array(kernel.memory.buffer);
const words = new Int32Array(kernel.memory.buffer);
const readBuffers = READ_AT.map((at) => Buffer.from(kernel.memory.buffer, at, SCAN_BYTES));

/**
 * Two buffers in the module's memory to read a file's chunks into, in turn: a chunk read into one is scanned
 * where it lies, not copied in. One pair per thread: one reader at a time uses them.
 */
export function scanReadBuffers(): readonly Buffer[] {
  return readBuffers;
}

/**
 * Counts runs of quiet plain lines in a chunk: whole lines with no marker that need none of the JS path's
 * looks. Positions are the chunk's own; its bytes are copied in by `load`.
 */
export class QuietLines {
  /** Memory address minus chunk position. */
  private shift = 0;
  private end = 0;

  /**
   * Makes `buf` from `from` to its end the module's to scan: in place when it lies in the module's memory (a
   * read buffer of `scanReadBuffers`), else copied in (at most SCAN_BYTES).
   */
  load(buf: Buffer, from: number): void {
    this.end = buf.length;
    if (buf.buffer === kernel.memory.buffer) {
      this.shift = buf.byteOffset;
      return;
    }
    if (buf.length - from > SCAN_BYTES)
      throw new RangeError(`a chunk of more than ${SCAN_BYTES} bytes to copy`);
    bytes.set(buf.subarray(from), DATA);
    this.shift = DATA - from;
  }

  /**
   * Counts quiet lines from `pos` (a line start) and returns where it stopped: at a line that is not whole in
   * the chunk, holds a marker (`stoppedAtMarker`), is longer than `maxLineBytes`, or must take the JS path.
   * CRI lines: a partial one (tag `P`) stops it too; Docker lines: one that is not a whole record does.
   */
  run(pos: number, maxLineBytes: number, format: ContainerFormat): number {
    const shift = this.shift;
    return kernel.quiet(pos + shift, this.end + shift, maxLineBytes, FORMATS.indexOf(format)) - shift;
  }

  /** Whether the last `run` stopped at a line with a marker (`Error`, `error`, `xception`) in it. */
  get stoppedAtMarker(): boolean {
    return words[13] === 1;
  }

  /** Lines counted by the last `run`. */
  get lines(): number {
    return words[8] as number;
  }

  /** The last line the last `run` counted, and the one before it: [start, end) in the chunk. */
  get lastStart(): number {
    return (words[9] as number) - this.shift;
  }
  get lastEnd(): number {
    return (words[10] as number) - this.shift;
  }
  get olderStart(): number {
    return (words[11] as number) - this.shift;
  }
  get olderEnd(): number {
    return (words[12] as number) - this.shift;
  }

  /** Adds the lines counted so far to `byClass` by status class (1 to 5), and starts again from zero. */
  drain(byClass: Float64Array): void {
    for (let cls = 1; cls <= 5; cls++) byClass[cls] = (byClass[cls] as number) + (words[cls] as number);
    words.fill(0, 0, 6);
  }
}
