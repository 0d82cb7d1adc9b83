// The positions file: per-file offsets with identity (device, inode, fingerprint), saved atomically, plus counters.
import { createHash } from 'node:crypto';
import fs from 'node:fs';

/** How many leading bytes identify a file: enough to tell a reused inode from the file it replaced. */
export const FINGERPRINT_BYTES = 256;

export interface FilePosition {
  path: string;
  dev: number;
  ino: number;
  /** SHA-256 (hex, shortened) of the first `fingerprintLength` bytes. */
  fingerprint: string;
  fingerprintLength: number;
  /** Byte offset just after the last record fully processed. */
  offset: number;
  /** Physical lines before `offset`, so event line numbers stay right after a restart. */
  line: number;
}

export interface SavedState {
  version: 1;
  files: FilePosition[];
  /** Metrics counter values at the same moment (opaque here). */
  counters?: unknown;
}

export function fingerprintOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/** Reads the first bytes of an open file and fingerprints them. */
export function fingerprintFd(
  fd: number,
  length = FINGERPRINT_BYTES,
): { fingerprint: string; fingerprintLength: number } {
  const buf = Buffer.alloc(length);
  const read = fs.readSync(fd, buf, 0, length, 0);
  return { fingerprint: fingerprintOf(buf.subarray(0, read)), fingerprintLength: read };
}

export type LoadResult = { state: SavedState } | { state: undefined; warning?: string };

/** A missing file is a first start; a corrupt one is a warning and a first start, never a crash. */
export function loadPositions(file: string): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { state: undefined }
      : { state: undefined, warning: `cannot read positions file: ${code}` };
  }
  try {
    const doc = JSON.parse(text) as SavedState;
    if (doc?.version !== 1 || !Array.isArray(doc.files)) throw new Error('unexpected shape');
    const files = doc.files.filter(
      (f) =>
        typeof f?.path === 'string' &&
        Number.isSafeInteger(f.offset) &&
        f.offset >= 0 &&
        Number.isSafeInteger(f.line) &&
        typeof f.fingerprint === 'string' &&
        Number.isSafeInteger(f.fingerprintLength),
    );
    return { state: { version: 1, files, counters: doc.counters } };
  } catch (error) {
    return {
      state: undefined,
      warning: `positions file is corrupt (${(error as Error).message}); starting as on a first run`,
    };
  }
}

/** Temp file, fsync, rename: a crash leaves the old file or the new one, never half of one. */
export function savePositions(file: string, state: SavedState): void {
  const temp = `${file}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, `${JSON.stringify(state)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}
