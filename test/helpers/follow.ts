// Follow-mode test harness: a Follower on real files in a temp dir, a fake clock, events and logs collected.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DEFAULT_LIMITS, type FollowConfig, type FramingLimits } from '../../src/config.js';
import type { OssErrorEvent } from '../../src/extract/types.js';
import { type Clock, Follower, type FollowOptions } from '../../src/follow.js';
import { newStats, type PipelineStats } from '../../src/stats.js';

export const body = (id: string, code = 'NoSuchKey') =>
  `10.0.0.1 - - [24/Nov/2026:09:00:00 +0000] "GET /b/k HTTP/1.1" 404 1 "-" "ua" "<Error><Code>${code}</Code><RequestId>${id}</RequestId></Error>"\n`;
export const plain = (n: number) =>
  `10.0.0.1 - - [24/Nov/2026:09:00:00 +0000] "GET /ok/${n} HTTP/1.1" 200 1 "-" "ua" "-"\n`;

export class Harness {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-follow-'));
  readonly events: OssErrorEvent[] = [];
  readonly logs: string[] = [];
  readonly stats = newStats();
  time = 0;
  readonly clock: Clock = { now: () => this.time, sleep: async () => {} };
  follower!: Follower;

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** A follower on the temp dir; `overrides` may set follow options (`fromEnd`, …) and the rest alike. */
  start(overrides: Partial<FollowConfig> & Partial<Omit<FollowOptions, 'config'>> = {}): Follower {
    const log = pino({ level: 'info' }, { write: (line: string) => this.logs.push(line) });
    const config: FollowConfig = {
      excludes: [],
      fromEnd: false,
      rotateWaitMs: 1000,
      pollIntervalMs: 100,
      positionsFile: this.file('positions.json'),
      positionsIntervalMs: 0,
      resetCounters: false,
    };
    for (const key of Object.keys(config) as (keyof FollowConfig)[])
      if (key in overrides) Object.assign(config, { [key]: overrides[key] });
    this.follower = new Follower({
      patterns: [path.join(this.dir, '*.log')],
      config: Object.freeze(config),
      limits: DEFAULT_LIMITS,
      stats: this.stats,
      observers: [],
      print: async (events) => {
        this.events.push(...events);
      },
      log,
      clock: this.clock,
      watch: false,
      ...Object.fromEntries(Object.entries(overrides).filter(([key]) => !(key in config))),
    });
    this.follower.loadState();
    return this.follower;
  }

  ids(): string[] {
    return this.events.map((e) => e.requestId ?? '');
  }

  /** Advances the fake clock by `ms` in poll-sized steps, polling at each. */
  async run(ms: number, step = 100): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.time += step;
      await this.follower.pollOnce();
    }
  }

  savedFiles(): { path: string; dev: number; ino: number; offset: number }[] {
    return JSON.parse(fs.readFileSync(this.file('positions.json'), 'utf8')).files;
  }
}

/** Writes `n` error lines with fresh ids (`prefix-i`), each followed by a plain line; returns the ids. */
export class Writer {
  next = 0;
  readonly written: string[] = [];
  constructor(private readonly prefix = 'id') {}

  lines(n: number): string {
    let text = '';
    for (let i = 0; i < n; i++) {
      const id = `${this.prefix}-${this.next++}`;
      this.written.push(id);
      text += body(id) + plain(i);
    }
    return text;
  }

  append(file: string, n: number): void {
    fs.appendFileSync(file, this.lines(n));
  }
}

/** Lost and repeated ids, compared with what was written. */
export function tally(
  written: readonly string[],
  seen: readonly string[],
): { lost: number; repeated: number } {
  const counts = new Map<string, number>();
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  let lost = 0;
  let repeated = 0;
  for (const id of written) if (!counts.has(id)) lost++;
  for (const n of counts.values()) repeated += n - 1;
  return { lost, repeated };
}

/**
 * Follow mode's answer for the bytes `chunks` hold: a real file under `name` in a temp dir, each chunk
 * appended and followed by one poll; then the file is rotated away and closed once idle, which ends it as
 * batch ends an input (its last line without a newline, what the framer holds). With `restartAt`, the
 * follower stops after that many chunks and a new one resumes from the positions file. Events name the
 * source `name`, as batch's do.
 */
export async function followChunks(
  chunks: readonly Buffer[],
  options: { limits?: FramingLimits; name?: string; restartAt?: number } = {},
): Promise<{ events: OssErrorEvent[]; stats: PipelineStats }> {
  const name = options.name ?? 'fixture.log';
  const h = new Harness();
  const file = h.file(name);
  const start = () =>
    h.start({ limits: options.limits ?? DEFAULT_LIMITS, positionsIntervalMs: 3_600_000, rotateWaitMs: 200 });
  try {
    fs.writeFileSync(file, '');
    start();
    for (const [i, chunk] of chunks.entries()) {
      if (i === options.restartAt) {
        await h.follower.close();
        start();
      }
      fs.appendFileSync(file, chunk);
      h.time += 100;
      await h.follower.pollOnce();
    }
    fs.renameSync(file, `${file}.done`);
    await h.run(500);
    await h.follower.close();
    return { events: h.events.map((e) => ({ ...e, source: name })), stats: h.stats };
  } finally {
    fs.rmSync(h.dir, { recursive: true, force: true });
  }
}
