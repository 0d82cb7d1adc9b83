// Follow mode: tails files like `tail -F` (globs, rotation, truncation), resumes from a positions file, loses nothing.
import fs from 'node:fs/promises';
import type { OssErrorEvent } from './extract/types.js';
import type { FramingLimits } from './framing/framer.js';
import type { Logger } from './log.js';
import { type EventObserver, extractBatch } from './pipeline.js';
import { excluded, expandGlob, globToRegExp, hasMagic } from './sources/glob.js';
import { type FilePosition, loadPositions, type SavedState, savePositions } from './sources/positions.js';
import { type FileFigures, newFigures, TailedFile } from './sources/tail.js';
import type { PipelineStats } from './stats.js';

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
  patterns: readonly string[];
  excludes: readonly string[];
  fromEnd: boolean;
  rotateWaitMs: number;
  pollIntervalMs: number;
  positionsFile: string | undefined;
  positionsIntervalMs: number;
  limits: FramingLimits;
  stats: PipelineStats;
  observers: readonly EventObserver[];
  /** Writes a batch of events and resolves once the output took it. */
  print: (events: readonly OssErrorEvent[]) => Promise<void>;
  log: Logger;
  clock: Clock;
  /** Counter values saved with the positions (the metrics' snapshot), when metrics run. */
  counters?: () => Promise<unknown>;
}

/** What the tailer's metrics read. */
export interface TailerFigures {
  files: ReadonlyMap<string, FileFigures>;
  watched: number;
  positionsWriteFailures: number;
}

export class Follower {
  /** The file each path names now. */
  private readonly current = new Map<string, TailedFile>();
  /** Rotated-away files still read until idle. */
  private readonly draining: TailedFile[] = [];
  private readonly figures = new Map<string, FileFigures>();
  private readonly saved = new Map<string, FilePosition>();
  private readonly excludes: RegExp[];
  private readonly waitingFor = new Set<string>();
  private lastSave = 0;
  private positionsWriteFailures = 0;
  private started = false;
  /** True while files are open and being read: /readyz. */
  ready = false;

  constructor(private readonly options: FollowOptions) {
    this.excludes = options.excludes.map((p) => globToRegExp(p.includes('/') ? p : `**/${p}`));
  }

  /** Loads the positions file; returns the counters saved with it, for the metrics to restore. */
  loadState(): unknown {
    if (!this.options.positionsFile) return undefined;
    const loaded = loadPositions(this.options.positionsFile);
    if ('warning' in loaded && loaded.warning)
      this.options.log.warn({ file: this.options.positionsFile }, loaded.warning);
    for (const f of loaded.state?.files ?? []) this.saved.set(`${f.dev}:${f.ino}`, f);
    return loaded.state?.counters;
  }

  tailerFigures(): TailerFigures {
    return {
      files: this.figures,
      watched: this.current.size + this.draining.length,
      positionsWriteFailures: this.positionsWriteFailures,
    };
  }

  /** Runs until the signal aborts, then saves positions one last time. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.pollOnce();
      if (!signal.aborted) await this.options.clock.sleep(this.options.pollIntervalMs, signal);
    }
    await this.close();
  }

  /** One round: find files, notice rotation and truncation, read everything new, close idle rotated files. */
  async pollOnce(): Promise<void> {
    const firstRound = !this.started;
    this.started = true;
    await this.discover(firstRound);
    for (const file of [...this.current.values(), ...this.draining]) {
      if (await file.checkTruncation())
        this.options.log.info({ path: file.path }, 'file truncated; reading again from the start');
      await this.readAll(file);
    }
    await this.closeIdle();
    this.ready = this.current.size > 0 || this.draining.length > 0;
    const now = this.options.clock.now();
    if (now - this.lastSave >= this.options.positionsIntervalMs) await this.savePositions();
  }

  private async discover(firstRound: boolean): Promise<void> {
    const paths = new Set<string>();
    for (const pattern of this.options.patterns) {
      if (hasMagic(pattern)) for (const p of expandGlob(pattern, this.excludes)) paths.add(p);
      else if (!excluded(pattern, this.excludes)) paths.add(pattern);
    }
    for (const path of paths) {
      let st: { dev: number; ino: number };
      try {
        st = await fs.stat(path);
      } catch {
        const file = this.current.get(path);
        if (file) this.retire(file, 'deleted or renamed');
        else if (!hasMagic(path) && !this.waitingFor.has(path)) {
          this.waitingFor.add(path);
          this.options.log.info({ path }, 'waiting for the file to appear');
        }
        continue;
      }
      const file = this.current.get(path);
      if (file && (file.dev !== st.dev || file.ino !== st.ino)) this.retire(file, 'rotated');
      if (!this.current.has(path)) await this.openFile(path, firstRound);
    }
    // Files no glob matches any more (renamed out of the pattern) are read to the end like rotated ones.
    for (const [path, file] of this.current) if (!paths.has(path)) this.retire(file, 'no longer matched');
  }

  private retire(file: TailedFile, why: string): void {
    this.current.delete(file.path);
    file.rotated = true;
    file.lastData = this.options.clock.now();
    this.draining.push(file);
    this.figuresFor(file.path).rotations++;
    this.options.log.info({ path: file.path, why }, 'following the old file until it is idle');
  }

  private figuresFor(path: string): FileFigures {
    let f = this.figures.get(path);
    if (!f) {
      f = newFigures();
      this.figures.set(path, f);
    }
    return f;
  }

  private async openFile(path: string, firstRound: boolean): Promise<void> {
    this.waitingFor.delete(path);
    const fromEnd = firstRound && this.options.fromEnd;
    try {
      const file = await TailedFile.open(
        path,
        async ({ dev, ino, size, fingerprintAt }) => {
          const saved = this.saved.get(`${dev}:${ino}`);
          if (
            saved &&
            saved.offset <= size &&
            (await fingerprintAt(saved.fingerprintLength)) === saved.fingerprint
          ) {
            this.saved.delete(`${dev}:${ino}`);
            return { offset: saved.offset, line: saved.line };
          }
          return fromEnd ? { offset: size, line: 0 } : { offset: 0, line: 0 };
        },
        this.options.limits,
        this.options.stats,
        this.figuresFor(path),
        this.options.clock.now(),
      );
      this.current.set(path, file);
    } catch (error) {
      this.options.log.warn({ path, err: (error as Error).message }, 'cannot open file; will retry');
    }
  }

  /** Reads a file until nothing new is left; each batch's events are written before its offset is committed. */
  private async readAll(file: TailedFile): Promise<void> {
    for (;;) {
      const records = await file.read(this.options.clock.now());
      if (records === undefined) return;
      await this.options.print(extractBatch(records, this.options.stats, this.options.observers));
      file.commit();
    }
  }

  private async closeIdle(): Promise<void> {
    const now = this.options.clock.now();
    for (let i = this.draining.length - 1; i >= 0; i--) {
      const file = this.draining[i] as TailedFile;
      if (now - file.lastData < this.options.rotateWaitMs) continue;
      this.draining.splice(i, 1);
      await this.options.print(extractBatch(await file.drain(), this.options.stats, this.options.observers));
      await file.close();
      if (!this.current.has(file.path) && !this.draining.some((d) => d.path === file.path))
        this.figures.delete(file.path);
      this.options.log.info({ path: file.path }, 'closed the rotated file');
    }
  }

  /** Offsets and counters of the same moment, written atomically; a failure is counted and logged, never fatal. */
  async savePositions(): Promise<void> {
    this.lastSave = this.options.clock.now();
    if (!this.options.positionsFile) return;
    const files = [...this.current.values(), ...this.draining].map((f) => f.position());
    // Positions of files not seen since the start (a pattern not matching yet) are kept, not forgotten.
    files.push(...this.saved.values());
    const state: SavedState = { version: 1, files, counters: await this.options.counters?.() };
    try {
      savePositions(this.options.positionsFile, state);
    } catch (error) {
      this.positionsWriteFailures++;
      this.options.log.error(
        { file: this.options.positionsFile, err: (error as Error).message },
        'cannot write the positions file',
      );
    }
  }

  async close(): Promise<void> {
    await this.savePositions();
    for (const file of [...this.current.values(), ...this.draining]) await file.close();
    this.current.clear();
    this.draining.length = 0;
    this.ready = false;
  }
}
