// Directory watching (inotify through fs.watch): a file created or renamed wakes the follower at once.
import fs from 'node:fs';
import type { Logger } from '../log.js';

/** inotify watches are a per-user kernel resource: a bounded number of directories is watched. */
export const MAX_WATCHED_DIRS = 256;

/**
 * Watches directories for names appearing, going or moving ('rename' events); appends are left to polling,
 * so a busy log costs no wake-ups. Polling stays the ground truth: on filesystems where events go missing
 * (overlay, NFS, some shared volumes) discovery is only as quick as the poll.
 */
export class DirectoryWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private warned = false;

  constructor(
    private readonly onRename: () => void,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Watches exactly `dirs` (the first MAX_WATCHED_DIRS): new ones are added, ones no longer wanted closed. */
  update(dirs: Iterable<string>): void {
    const wanted = new Set<string>();
    for (const dir of dirs) {
      if (wanted.size >= MAX_WATCHED_DIRS) break;
      wanted.add(dir);
    }
    for (const [dir, watcher] of this.watchers) {
      if (wanted.has(dir)) continue;
      watcher.close();
      this.watchers.delete(dir);
    }
    for (const dir of wanted) if (!this.watchers.has(dir)) this.add(dir);
  }

  private add(dir: string): void {
    try {
      // Not persistent: a watch must never keep the process alive after a signal.
      const watcher = fs.watch(dir, { persistent: false }, (type) => {
        if (type === 'rename') this.onRename();
      });
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // not there yet: the next discovery tries again
      if (!this.warned)
        this.log.warn({ dir, err: code }, 'cannot watch directories; discovery relies on polling alone');
      this.warned = true;
    }
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
