// The positions file: per-file offsets with identity (device, inode, fingerprint), saved atomically, plus counters.
import { createHash } from 'node:crypto';
import fs from 'node:fs';

/** How many leading bytes identify a file: enough to tell a reused inode from the file it replaced. */
export const FINGERPRINT_BYTES = 256;
/**
 * How many bytes before the saved offset are fingerprinted too: two files may start alike (a banner, a storm
 * of identical lines), and only a copy also holds the same bytes where reading stopped.
 */
export const EDGE_BYTES = 1024;

export interface FilePosition {
  path: string;
  dev: number;
  ino: number;
  /** SHA-256 (hex, shortened) of the first `fingerprintLength` bytes (decompressed, for a `.gz`). */
  fingerprint: string;
  fingerprintLength: number;
  /** Byte offset just after the last record fully processed. */
  offset: number;
  /** Physical lines before `offset`, so event line numbers stay right after a restart. */
  line: number;
  /** Fingerprint of the EDGE_BYTES (fewer near the start) before `offset`; absent for compressed files. */
  edge?: string;
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

/** The key of a file's (device, inode) pair. */
export function inodeKey(f: { dev: number; ino: number }): string {
  return `${f.dev}:${f.ino}`;
}

export interface LoadResult {
  state: SavedState | undefined;
  /** At most one per start, naming what was damaged and what was done about it. */
  warning?: string;
}

const FINGERPRINT = /^[0-9a-f]{32}$/;
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** A saved file entry checked field by field; anything off makes the entry unusable. */
function validPosition(f: unknown): f is FilePosition {
  if (f === null || typeof f !== 'object') return false;
  const p = f as Record<string, unknown>;
  return (
    typeof p.path === 'string' &&
    count(p.dev) &&
    count(p.ino) &&
    typeof p.fingerprint === 'string' &&
    FINGERPRINT.test(p.fingerprint) &&
    count(p.fingerprintLength) &&
    (p.fingerprintLength as number) <= FINGERPRINT_BYTES &&
    count(p.offset) &&
    count(p.line) &&
    (p.edge === undefined || (typeof p.edge === 'string' && FINGERPRINT.test(p.edge)))
  );
}

/**
 * A missing file is a first start; an unreadable or unparseable one is a warning and a first start; damaged
 * entries are dropped and the valid ones kept: never a crash.
 * The counters are passed on as they are: their reader checks them.
 */
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
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return {
      state: undefined,
      warning: `positions file is corrupt (${(error as Error).message}); starting as on a first run`,
    };
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  if (typeof doc !== 'object' || d.version !== 1) {
    return {
      state: undefined,
      warning: 'positions file is corrupt (unexpected shape); starting as on a first run',
    };
  }
  const entries = Array.isArray(d.files) ? (d.files as unknown[]) : [];
  const files: FilePosition[] = [];
  let dropped = Array.isArray(d.files) ? 0 : 1;
  for (const entry of entries) {
    if (!validPosition(entry)) {
      dropped++;
      continue;
    }
    files.push({
      path: entry.path,
      dev: entry.dev,
      ino: entry.ino,
      fingerprint: entry.fingerprint,
      fingerprintLength: entry.fingerprintLength,
      offset: entry.offset,
      line: entry.line,
      ...(entry.edge === undefined ? {} : { edge: entry.edge }),
    });
  }
  const state: SavedState = { version: 1, files, counters: d.counters };
  return dropped === 0
    ? { state }
    : {
        state,
        warning: `positions file is corrupt (${dropped} damaged file entries dropped); the others are kept`,
      };
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
