// Directory watching (inotify through fs.watch, on a thread of its own): a file created or renamed wakes the follower at once.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';

/** inotify watches are a per-user kernel resource: a bounded number of directories is watched. */
export const MAX_WATCHED_DIRS = 256;

/**
 * An event coming within this long of the one before makes the watching thread stop reading events for as
 * long. inotify reports every write to a file of a watched directory, and a log written a line at a time
 * (nginx, container runtimes) would wake the process at each line: 10k lines/s cost 5% of a core in wake-ups
 * alone. Paused, the kernel merges a file's writes into one event, so appends cost some 1000 / PAUSE_MS
 * wake-ups a second at most; a rename in the pause is passed on at its end. Events further apart than that
 * (a log written in batches) are each taken as they come: a pause would add a wake-up of its own.
 */
export const PAUSE_MS = 50;

/**
 * The watching thread (CommonJS, evaluated: no file to find next to this one, built or not). It watches the
 * directories it is sent, posts 'rename' (names appearing, going or moving) and 'fail' (a watch it cannot
 * make), and blocks PAUSE_MS when events come that often.
 */
const WATCHING_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const pause = new Int32Array(new SharedArrayBuffer(4));
const watchers = new Map();
let paused = false;
let last = 0;
function onEvent(type) {
  if (type === 'rename') parentPort.postMessage('rename');
  const now = Date.now();
  const soon = now - last < workerData.pauseMs;
  last = now;
  if (paused || !soon) return;
  paused = true;
  // After the events read with this one: the pause lets the next ones pile up (and merge) in the kernel.
  setImmediate(() => {
    Atomics.wait(pause, 0, 0, workerData.pauseMs);
    paused = false;
    // What piled up meanwhile is read now, in this wake-up: still busy, so it pauses again.
    last = Date.now();
  });
}
parentPort.on('message', (dirs) => {
  const wanted = new Set(dirs);
  for (const [dir, watcher] of watchers) {
    if (wanted.has(dir)) continue;
    watcher.close();
    watchers.delete(dir);
  }
  for (const dir of wanted) {
    if (watchers.has(dir)) continue;
    try {
      const watcher = fs.watch(dir, { persistent: false }, onEvent);
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(dir);
      });
      watchers.set(dir, watcher);
    } catch (error) {
      parentPort.postMessage({ fail: dir, code: error.code });
    }
  }
});
`;

/**
 * Watches directories for names appearing, going or moving; appends are left to polling, so a busy log costs
 * no extra rounds. Polling stays the ground truth: on filesystems where events go missing (overlay, NFS, some
 * shared volumes), or should the watching thread stop, discovery is only as quick as the poll.
 */
export class DirectoryWatcher {
  private readonly worker: Worker;
  /** The directories the watching thread was last sent, less those it could not watch: sent again only on a change. */
  private readonly watched = new Set<string>();
  private warned = false;

  constructor(onRename: () => void, log: Logger) {
    const warn = (fields: Record<string, unknown>) => {
      if (!this.warned) log.warn(fields, 'cannot watch directories; discovery relies on polling alone');
      this.warned = true;
    };
    this.worker = new Worker(WATCHING_THREAD, {
      eval: true,
      workerData: { pauseMs: PAUSE_MS },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
      stdout: true,
      stderr: true,
    });
    // A watch must never keep the process alive after a signal.
    this.worker.unref();
    this.worker.on('message', (message: 'rename' | { fail: string; code: string }) => {
      if (message === 'rename') return onRename();
      // Asked for again at the next update: a directory not there yet is watched once it exists.
      this.watched.delete(message.fail);
      if (message.code !== 'ENOENT') warn({ dir: message.fail, err: message.code });
    });
    this.worker.on('error', (error) => warn({ err: error.message }));
  }

  /** Watches exactly `dirs` (the first MAX_WATCHED_DIRS): new ones are added, ones no longer wanted closed. */
  update(dirs: Iterable<string>): void {
    const wanted = new Set<string>();
    for (const dir of dirs) {
      if (wanted.size >= MAX_WATCHED_DIRS) break;
      wanted.add(dir);
    }
    if (wanted.size === this.watched.size && [...wanted].every((d) => this.watched.has(d))) return;
    this.watched.clear();
    for (const dir of wanted) this.watched.add(dir);
    this.worker.postMessage([...wanted]);
  }

  close(): void {
    this.watched.clear();
    void this.worker.terminate();
  }
}
