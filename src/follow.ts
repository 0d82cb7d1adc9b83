// Follow mode: tails files like `tail -F` (globs, rotation, truncation), resumes from a positions file, loses nothing.
import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FollowConfig, FramingLimits } from './config.js';
import { drive, type EventObserver } from './drive.js';
import type { OssErrorEvent } from './extract/types.js';
import { Framer } from './framing/framer.js';
import { ChunkScanner } from './framing/scanner.js';
import type { Logger } from './log.js';
import { excluded, expandGlob, globToRegExp, hasMagic, staticBase } from './sources/glob.js';
import { type Fingerprint, findCopy, isCompressed, sameEdge, sameStart } from './sources/identity.js';
import {
  FINGERPRINT_BYTES,
  type FilePosition,
  inodeKey,
  loadPositions,
  type SavedState,
  savePositions,
} from './sources/positions.js';
import { type Opened, type Replaced, type Start, TailedFile } from './sources/tail.js';
import { DirectoryWatcher } from './sources/watch.js';
import {
  type FileErrorReason,
  type FileFigures,
  newFigures,
  type PipelineStats,
  type TailerFigures,
} from './stats.js';

/** Time as the follower sees it: injectable, so rotation tests advance it instead of sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface FollowOptions {
  /** What to follow: file names and globs. */
  patterns: readonly string[];
  /** The frozen follow options of the command line (excludes, start, rotate-wait, polling, positions). */
  config: FollowConfig;
  limits: FramingLimits;
  stats: PipelineStats;
  observers: readonly EventObserver[];
  /** Writes a batch of events and resolves once the output took it. */
  print: (events: readonly OssErrorEvent[]) => Promise<void>;
  log: Logger;
  clock: Clock;
  /** Counter values saved with the positions (the metrics' snapshot), when metrics run. */
  counters?: () => Promise<unknown>;
  /** Watch directories to notice new and renamed files at once (default true); polling runs either way. */
  watch?: boolean;
}

/** Directory events arriving within this delay wake the follower once. */
const WAKE_DELAY_MS = 10;

/** Positions loaded at start and not claimed by any file are kept this long, then forgotten. */
const SAVED_GRACE_MS = 60_000;

export function errorReason(error: unknown): FileErrorReason {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission';
  if (code === 'ENOENT') return 'not-found';
  return 'other';
}

async function isSymlink(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => undefined))?.isSymbolicLink() === true;
}

function fingerprintOf(p: FilePosition): Fingerprint {
  return { value: p.fingerprint, length: p.fingerprintLength };
}

/** Whether a file's first bytes are those a saved position was taken from (nothing to compare: yes). */
function startsLike(p: FilePosition, head: Buffer): boolean {
  return p.fingerprintLength === 0 || sameStart(head, fingerprintOf(p));
}

/** How a followed file is framed: its framer, and the chunk scanner in front of it. */
interface Reader {
  framer: Framer;
  scanner: ChunkScanner;
}

export class Follower {
  /** The framing of each open file: kept from round to round, fresh after a truncation. */
  private readonly readers = new Map<TailedFile, Reader>();
  /** Files the patterns match now, by inode key. */
  private readonly current = new Map<string, TailedFile>();
  /** Files no longer matched (rotated away, deleted), read until idle, by inode key. */
  private readonly draining = new Map<string, TailedFile>();
  /** Files closed recently: found again within the rotate-wait window, they resume where they stopped. */
  private readonly finished = new Map<string, { position: FilePosition; at: number }>();
  /** Matched files not read on purpose (copies of a followed file, compressed files), by inode key → path. */
  private readonly known = new Map<string, string>();
  /** Positions loaded at start that no file claimed yet, by inode key (an old file may list an inode twice). */
  private readonly saved = new Map<string, FilePosition[]>();
  /**
   * Saved inodes now holding other content (reused, or truncated while we were stopped): their entries are
   * never matched by inode again, but a copy of the old content (copytruncate's, a `.gz`) may still claim them.
   */
  private readonly reusedInodes = new Set<string>();
  /** The file that left a path, while it is open: a record it still holds goes on in the next file there. */
  private readonly predecessors = new Map<string, { file: TailedFile; at: number }>();
  private readonly figures = new Map<string, FileFigures>();
  private readonly excludes: RegExp[];
  private readonly waitingFor = new Set<string>();
  /** Paths that failed to open, with the reason logged: one log line and one count per episode. */
  private readonly failing = new Map<string, FileErrorReason>();
  private readonly fileErrors: Record<FileErrorReason, number> = { permission: 0, 'not-found': 0, other: 0 };
  private readonly watcher: DirectoryWatcher | undefined;
  private wakeup: AbortController | undefined;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private woken = false;
  private lastSave = 0;
  /** What the positions file holds now: a state that has not changed is not written (and fsync'ed) again. */
  private savedText: string | undefined;
  private startedAt = 0;
  private positionsWriteFailures = 0;
  private started = false;
  /** Started and serving (files or not): /readyz. */
  ready = false;

  constructor(private readonly options: FollowOptions) {
    this.excludes = options.config.excludes.map((p) => globToRegExp(p.includes('/') ? p : `**/${p}`));
    if (options.watch !== false) this.watcher = new DirectoryWatcher(() => this.wake(), options.log);
  }

  /** Loads the positions file; returns the counters saved with it, for the metrics to restore. */
  loadState(): unknown {
    if (!this.options.config.positionsFile) return undefined;
    const loaded = loadPositions(this.options.config.positionsFile);
    if (loaded.warning) this.options.log.warn({ file: this.options.config.positionsFile }, loaded.warning);
    for (const f of loaded.state?.files ?? []) {
      const same = this.saved.get(inodeKey(f));
      if (same) same.push(f);
      else this.saved.set(inodeKey(f), [f]);
    }
    return loaded.state?.counters;
  }

  tailerFigures(): TailerFigures {
    return {
      files: this.figures,
      watched: this.current.size + this.draining.size,
      positionsWriteFailures: this.positionsWriteFailures,
      fileErrors: this.fileErrors,
    };
  }

  /** Runs until the signal aborts: the batch in hand is written and committed, positions saved, then it returns. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.pollOnce(signal);
      if (!signal.aborted) await this.sleep(signal);
    }
    await this.close();
  }

  /**
   * A directory event: the next round starts now instead of at the next poll. The events of one rotation
   * (a rename, a create, a compression) come together and are taken as one, a few milliseconds later.
   */
  private wake(): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.woken = true;
      this.wakeup?.abort();
    }, WAKE_DELAY_MS);
  }

  private async sleep(signal: AbortSignal): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const wakeup = new AbortController();
    const stop = () => wakeup.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.wakeup = wakeup;
    await this.options.clock.sleep(this.options.config.pollIntervalMs, wakeup.signal);
    signal.removeEventListener('abort', stop);
    this.wakeup = undefined;
    this.woken = false;
  }

  /**
   * One round: find files, notice rotation and truncation, read everything new, close idle rotated files.
   * An aborted signal stops it between two batches.
   */
  async pollOnce(signal?: AbortSignal): Promise<void> {
    const firstRound = !this.started;
    if (firstRound) this.startedAt = this.options.clock.now();
    this.started = true;
    await this.discover(firstRound);
    if (firstRound) await this.resumeRotatedWhileStopped();
    await this.handOverHeldRecords(signal);
    for (const file of [...this.current.values(), ...this.draining.values()]) {
      if (signal?.aborted) return;
      const replaced = await file.checkTruncation();
      if (replaced) {
        this.readers.set(file, this.newReader(file.path, { offset: 0, line: 0 }));
        this.options.log.info({ path: file.path }, 'file truncated; reading again from the start');
        await this.readCopy(file, replaced, signal);
      }
      if (!file.quiet) await this.readAll(file, signal);
    }
    if (signal?.aborted) return;
    await this.closeIdle();
    this.forget();
    this.ready = true;
    const now = this.options.clock.now();
    if (now - this.lastSave >= this.options.config.positionsIntervalMs) await this.savePositions();
  }

  /** Lists the patterns, then matches what is there with what is followed, by identity, whatever the names. */
  private async discover(firstRound: boolean): Promise<void> {
    const paths = new Set<string>();
    const exact = new Set<string>();
    const dirs = new Set<string>();
    for (const pattern of this.options.patterns) {
      if (hasMagic(pattern)) {
        dirs.add(path.resolve(staticBase(pattern)));
        for (const p of expandGlob(pattern, this.excludes)) paths.add(p);
      } else {
        dirs.add(path.dirname(path.resolve(pattern)));
        if (!excluded(pattern, this.excludes)) paths.add(pattern);
        exact.add(pattern);
      }
    }
    const found = new Map<string, { path: string; size: number }>();
    for (const p of paths) {
      let st: { dev: number; ino: number; size: number; isFile(): boolean };
      try {
        // In place, not through the thread pool: a stat per file per round is 2 µs so, 50 µs of CPU there.
        st = statSync(p);
      } catch (error) {
        const reason = errorReason(error);
        // A dangling symlink (a container's log gone) is an error; a file renamed since the listing is not.
        if (reason !== 'not-found' || (await isSymlink(p))) this.fileError(p, reason, error);
        else if (exact.has(p) && !this.waitingFor.has(p)) {
          this.waitingFor.add(p);
          this.options.log.info({ path: p }, 'waiting for the file to appear');
        }
        continue;
      }
      if (!st.isFile()) continue;
      dirs.add(path.dirname(path.resolve(p)));
      const key = inodeKey(st);
      if (!found.has(key)) found.set(key, { path: p, size: st.size });
    }
    this.watcher?.update(dirs);
    for (const [key, file] of this.current) {
      const now = found.get(key);
      if (now === undefined) this.retire(key, file);
      else if (now.path !== file.path) this.move(file, now.path);
    }
    for (const [key, file] of this.draining) {
      const now = found.get(key);
      if (now === undefined) continue;
      // Renamed back into the patterns: followed again, from where it is.
      this.draining.delete(key);
      this.current.set(key, file);
      if (now.path !== file.path) this.move(file, now.path);
    }
    for (const key of this.known.keys()) {
      const now = found.get(key);
      if (now === undefined) this.known.delete(key);
      else this.known.set(key, now.path);
    }
    // Files with a position by inode first: a copy never takes the position its original resumes from.
    const fresh = [...found].filter(([key]) => !this.current.has(key) && !this.known.has(key));
    fresh.sort(([a], [b]) => Number(this.hasPosition(b)) - Number(this.hasPosition(a)));
    for (const [, { path: p }] of fresh) await this.openNew(p, firstRound);
    for (const p of this.failing.keys()) if (!paths.has(p)) this.failing.delete(p);
  }

  private hasPosition(key: string): boolean {
    return this.finished.has(key) || this.saved.has(key);
  }

  private claim(savedKey: string): void {
    this.saved.delete(savedKey);
    this.reusedInodes.delete(savedKey);
  }

  /** No longer matched (renamed out of the patterns, deleted): read to its end until idle, then closed. */
  private retire(key: string, file: TailedFile): void {
    this.current.delete(key);
    this.draining.set(key, file);
    file.lastData = this.options.clock.now();
    this.left(file);
    this.options.log.info({ path: file.path }, 'following the old file until it is idle');
  }

  /** Renamed within the patterns (`app.log` → `app.log.1` under `app.log*`): the same file, read on. */
  private move(file: TailedFile, to: string): void {
    this.left(file);
    file.path = to;
    file.figures = this.figuresFor(to);
  }

  private left(file: TailedFile): void {
    this.figuresFor(file.path).rotations++;
    this.predecessors.set(file.path, { file, at: this.options.clock.now() });
  }

  private figuresFor(p: string): FileFigures {
    let f = this.figures.get(p);
    if (!f) {
      f = newFigures();
      this.figures.set(p, f);
    }
    return f;
  }

  private isFollowed(key: string): boolean {
    return this.current.has(key) || this.draining.has(key);
  }

  /**
   * A file seen for the first time under this name: resumed when its identity has a position (closed
   * recently, or saved), left unread when it is a copy of a followed file or compressed, else read from 0.
   */
  private async openNew(p: string, firstRound: boolean): Promise<void> {
    this.waitingFor.delete(p);
    // Opened first: the handle keeps the file whatever happens to its name while we decide where to start.
    let skipped: string | undefined;
    const file = await this.open(p, async (opened) => {
      // Replaced since the listing by a file already followed or known: nothing new here.
      if (this.isFollowed(inodeKey(opened)) || this.known.has(inodeKey(opened))) return undefined;
      const start = await this.startFor(p, inodeKey(opened), opened.head, opened.size, firstRound);
      if (start === undefined) skipped = inodeKey(opened);
      return start;
    });
    if (file) this.current.set(inodeKey(file), file);
    else if (skipped !== undefined) this.known.set(skipped, p);
  }

  /** Where a new file starts, or undefined when it is not to be read. */
  private async startFor(
    p: string,
    key: string,
    head: Buffer,
    size: number,
    firstRound: boolean,
  ): Promise<Start | undefined> {
    const compressed = isCompressed(p);
    const fits = async (pos: FilePosition) =>
      startsLike(pos, head) &&
      (compressed || pos.offset <= size) &&
      (await sameEdge(p, pos.offset, pos.edge));
    const done = this.finished.get(key);
    if (done) {
      this.finished.delete(key);
      if (await fits(done.position)) return done.position;
    }
    const saved = this.reusedInodes.has(key) ? undefined : this.saved.get(key);
    if (saved) {
      for (const pos of saved) {
        if (!(await fits(pos))) continue;
        this.claim(key);
        return pos;
      }
      this.reusedInodes.add(key);
      this.options.log.info({ path: p }, 'saved position is for other content (inode reused or truncated)');
    }
    if (!compressed && (await this.copyOfFollowed(p, head, size))) return undefined;
    // Copied or compressed while we were stopped (copytruncate's copy, `app.log.1.gz`): resumed, once.
    for (const [savedKey, entries] of this.saved) {
      for (const pos of entries) {
        if (pos.fingerprintLength === 0 || !(await fits(pos))) continue;
        this.claim(savedKey);
        this.options.log.info({ path: p, was: pos.path }, 'resuming a file rotated while stopped');
        return pos;
      }
    }
    // A `.gz` is never followed as text: it is read only to finish a file compressed while we were stopped.
    if (compressed) return undefined;
    return firstRound && this.options.config.fromEnd ? { offset: size, line: 0 } : { offset: 0, line: 0 };
  }

  private async open(
    p: string,
    place: (opened: Opened) => Promise<Start | undefined> | Start | undefined,
  ): Promise<TailedFile | undefined> {
    try {
      const file = await TailedFile.open(p, place, this.figuresFor(p), this.options.clock.now());
      this.failing.delete(p);
      if (file) this.readers.set(file, this.newReader(p, file.position()));
      return file;
    } catch (error) {
      // Gone since it was listed (renamed, deleted): not an error, the next round sees where it went.
      if (errorReason(error) !== 'not-found') this.fileError(p, errorReason(error), error);
      return undefined;
    }
  }

  private fileError(p: string, reason: FileErrorReason, error: unknown): void {
    if (this.failing.get(p) === reason) return;
    this.failing.set(p, reason);
    this.fileErrors[reason]++;
    this.options.log.warn({ path: p, reason, err: (error as Error).message }, 'cannot open file; will retry');
  }

  /**
   * A copy of a followed file (copytruncate's copy under a matched name): the same first bytes, all of
   * them, and the same bytes further on (see `copiedIn`). Files that merely start alike (a banner, a storm
   * of near-identical lines) differ there and are read.
   */
  private async copyOfFollowed(p: string, head: Buffer, size: number): Promise<boolean> {
    if (head.length < FINGERPRINT_BYTES) return false;
    for (const file of [...this.current.values(), ...this.draining.values()]) {
      const { fingerprint } = file.identity;
      if (fingerprint.length !== FINGERPRINT_BYTES || !sameStart(head, fingerprint)) continue;
      if (await file.copiedIn(p, size)) return true;
    }
    return false;
  }

  /**
   * Saved files the patterns no longer match (an exact name rotated while we were stopped): their copy
   * is looked for next to where they were, under the same inode or with the same first bytes (`.gz` too).
   */
  private async resumeRotatedWhileStopped(): Promise<void> {
    for (const [key, entries] of [...this.saved]) {
      const pos = entries[0] as FilePosition;
      const copy = await findCopy(
        pos.path,
        { dev: pos.dev, ino: pos.ino, fingerprint: fingerprintOf(pos), minSize: pos.offset, edge: pos.edge },
        (f) => this.isFollowed(inodeKey(f)),
      );
      if (copy === undefined) continue;
      this.claim(key);
      const file = await this.open(copy.path, (opened) => (startsLike(pos, opened.head) ? pos : undefined));
      if (file === undefined) continue;
      this.options.log.info({ path: copy.path, was: pos.path }, 'resuming a file rotated while stopped');
      this.adoptCopy(file);
    }
  }

  /** A copy read to finish what its original left: followed while matched, else read until idle. */
  private adoptCopy(file: TailedFile): void {
    const key = inodeKey(file);
    if (this.known.delete(key)) this.current.set(key, file);
    else {
      this.draining.set(key, file);
      this.left(file);
      this.predecessors.delete(file.path);
    }
  }

  /**
   * copytruncate: the lines between our offset and the truncation went to the copy. It is found among the
   * siblings (same first bytes as what we were reading, at least as long as our offset) and read from there.
   */
  private async readCopy(
    file: TailedFile,
    replaced: Replaced,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (replaced.offset === 0) return;
    const copy = await findCopy(
      file.path,
      { dev: -1, ino: -1, fingerprint: replaced.fingerprint, minSize: replaced.offset, edge: replaced.edge },
      (f) => this.isFollowed(inodeKey(f)),
    );
    if (copy === undefined) {
      this.options.log.info({ path: file.path }, 'no copy of the truncated content found next to it');
      return;
    }
    const start = { offset: replaced.offset, line: replaced.line };
    const opened = await this.open(copy.path, (o) =>
      sameStart(o.head, replaced.fingerprint) ? start : undefined,
    );
    if (opened === undefined) return;
    this.options.log.info(
      { path: copy.path, of: file.path },
      'reading the end of the truncated content from its copy',
    );
    this.adoptCopy(opened);
    await this.readAll(opened, signal);
  }

  /**
   * A record still held by a rotated file (a CRI partial line, a multi-line body) goes on in the file that
   * took its name: the old file is read to its end first, then the held lines are handed to the new one.
   */
  private async handOverHeldRecords(signal: AbortSignal | undefined): Promise<void> {
    for (const [p, { file: old, at }] of this.predecessors) {
      const next = [...this.current.values()].find((f) => f.path === p && f !== old);
      if (next === undefined) {
        if (this.options.clock.now() - at > this.options.config.rotateWaitMs) this.predecessors.delete(p);
        continue;
      }
      this.predecessors.delete(p);
      if (!this.untouched(next) || !this.isFollowed(inodeKey(old))) continue;
      await this.readAll(old, signal);
      await this.carry(old, next);
    }
  }

  /** Line numbers continue from the start position, so events keep their real line after a restart. */
  private newReader(source: string, start: Start): Reader {
    const { limits, stats } = this.options;
    const framer = new Framer(source, limits, stats, start.line);
    return { framer, scanner: new ChunkScanner(framer, stats, limits.maxLineBytes, start.offset) };
  }

  private readerOf(file: TailedFile): Reader {
    let reader = this.readers.get(file);
    if (reader === undefined) {
      reader = this.newReader(file.path, file.position());
      this.readers.set(file, reader);
    }
    return reader;
  }

  /** Nothing read from it yet, nothing held: a fresh file to hand a record to. */
  private untouched(file: TailedFile): boolean {
    return file.readOffset === 0 && this.readerOf(file).framer.heldSince === undefined;
  }

  /**
   * The record `old` still holds goes on in `next`: its bytes are framed again there, before `next`'s own,
   * numbered as in `old` (counted once already, so not counted again); `old` goes on after its last whole
   * line with a fresh framer. A record carried once already, or in a compressed file, stays where it is.
   */
  private async carry(old: TailedFile, next: TailedFile): Promise<void> {
    const from = this.readerOf(old);
    const held = from.scanner.position;
    if (old.compressed || from.framer.heldSince === undefined || held.offset < 0) return;
    const whole = from.scanner.wholeLines;
    const bytes = await old.bytes(held.offset, whole.offset);
    old.seek(whole.offset);
    this.readers.set(old, this.newReader(old.path, whole));
    await old.commit(whole);
    // The new file's offsets start after the carried bytes: a position inside them resumes at its start.
    const to = this.newReader(next.path, { offset: -bytes.length, line: held.line });
    const { stats } = this.options;
    const counted = {
      lines: stats.lines,
      bytes: stats.bytes,
      requests: Float64Array.from(stats.requestsByClass),
    };
    to.scanner.push(bytes, []);
    stats.lines = counted.lines;
    stats.bytes = counted.bytes;
    stats.requestsByClass.set(counted.requests);
    to.framer.continueAt(0);
    this.readers.set(next, to);
  }

  /**
   * Reads a file to its end as it is now, through the one driver: each chunk's events are written before
   * the scanner's position is committed. `ends` closes it for good: its last line and held record too.
   */
  private async readAll(file: TailedFile, signal: AbortSignal | undefined, ends = false): Promise<void> {
    const { framer, scanner } = this.readerOf(file);
    const lines = framer.lines;
    const from = file.readOffset;
    await drive({
      source: { name: file.name, chunks: () => file.chunks(signal), commit: (at) => file.commit(at) },
      scanner,
      stats: this.options.stats,
      observers: this.options.observers,
      sink: this.options.print,
      ends,
    });
    if (file.readOffset > from) file.lastData = this.options.clock.now();
    file.figures.lines += Math.max(0, framer.lines - lines);
  }

  /** Rotated files idle for the rotate-wait, and compressed ones read to their end, are closed. */
  private async closeIdle(): Promise<void> {
    const now = this.options.clock.now();
    const idle = (f: TailedFile) => now - f.lastData >= this.options.config.rotateWaitMs;
    for (const [key, file] of this.draining) {
      if (!idle(file)) continue;
      this.draining.delete(key);
      await this.finish(key, file);
      this.options.log.info({ path: file.path }, 'closed the rotated file');
    }
    for (const [key, file] of this.current) {
      if (!file.compressed || !idle(file)) continue;
      this.current.delete(key);
      await this.finish(key, file);
      this.known.set(key, file.path);
    }
  }

  private async finish(key: string, file: TailedFile): Promise<void> {
    // Its last line without a newline, and the record its framer still holds, are read now or never.
    await this.readAll(file, undefined, true);
    await file.close();
    this.readers.delete(file);
    this.finished.set(key, { position: file.position(), at: this.options.clock.now() });
    for (const [p, entry] of this.predecessors) if (entry.file === file) this.predecessors.delete(p);
  }

  /** What the positions file and the metrics keep is bounded by the files that exist, or did recently. */
  private forget(): void {
    const now = this.options.clock.now();
    for (const [key, { at }] of this.finished)
      if (now - at > this.options.config.rotateWaitMs) this.finished.delete(key);
    if (now - this.startedAt > Math.max(SAVED_GRACE_MS, this.options.config.rotateWaitMs)) {
      this.saved.clear();
      this.reusedInodes.clear();
    }
    const held = new Set([...this.current.values(), ...this.draining.values()].map((f) => f.path));
    for (const p of this.predecessors.keys()) held.add(p);
    for (const p of this.figures.keys()) if (!held.has(p)) this.figures.delete(p);
  }

  /**
   * Offsets and counters of the same moment, written atomically; a failure is counted and logged, never fatal.
   * At the interval, a state the file holds already is left as it is: an idle follower wrote and fsync'ed
   * the same bytes every 5 s (an fsync held the event loop for up to 100 ms on a busy disk). `force` writes.
   */
  async savePositions(force = false): Promise<void> {
    this.lastSave = this.options.clock.now();
    if (!this.options.config.positionsFile) return;
    // One entry per identity: files followed, then closed recently, then saved ones not seen yet.
    const files = new Map<string, FilePosition>();
    for (const file of [...this.current.values(), ...this.draining.values()])
      files.set(inodeKey(file), file.position());
    for (const [key, { position }] of this.finished) if (!files.has(key)) files.set(key, position);
    for (const [key, [position]] of this.saved) if (position && !files.has(key)) files.set(key, position);
    const state: SavedState = {
      version: 1,
      files: [...files.values()],
      counters: await this.options.counters?.(),
    };
    const text = JSON.stringify(state);
    if (!force && text === this.savedText) return;
    try {
      savePositions(this.options.config.positionsFile, state);
      this.savedText = text;
    } catch (error) {
      this.positionsWriteFailures++;
      this.options.log.error(
        { file: this.options.config.positionsFile, err: (error as Error).message },
        'cannot write the positions file',
      );
    }
  }

  async close(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    await this.savePositions(true);
    for (const file of [...this.current.values(), ...this.draining.values()]) await file.close();
    this.readers.clear();
    this.current.clear();
    this.draining.clear();
    this.ready = false;
  }
}
