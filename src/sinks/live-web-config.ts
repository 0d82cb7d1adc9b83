// Keeps the web config current while serving: a changed config, certificate, key or CA file is re-read, no restart.
import fs from 'node:fs';
import type { Logger } from '../log.js';
import { loadWebConfig, type WebConfig } from './web-config.js';

/** What a running server cannot switch on the fly (exporter-toolkit cannot either); undefined when it can. */
export type LiveCheck = (next: WebConfig, previous: WebConfig) => string | undefined;

/**
 * exporter-toolkit re-reads its file on every connection and request; this does the same cheaply: `current()`
 * stats the files (the config and the ones it names) and re-reads only when one changed. A version that does
 * not load (a half-written certificate, a typo) is logged once and the last good one stays in force, so a
 * rotation that writes the certificate before the key never takes the endpoint down.
 */
export class LiveWebConfig {
  private config: WebConfig;
  private signature: string;
  private refusedSignature: string | undefined;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly check: LiveCheck = () => undefined,
  ) {
    this.config = loadWebConfig(file);
    this.signature = signature(this.config.files);
  }

  /** The config in force now: re-read first when a file changed since the last call. */
  current(): WebConfig {
    const now = signature(this.config.files);
    if (now === this.signature || now === this.refusedSignature) return this.config;
    let next: WebConfig;
    try {
      next = loadWebConfig(this.file);
    } catch (error) {
      this.refuse(now, (error as Error).message);
      return this.config;
    }
    const problem = this.check(next, this.config);
    if (problem !== undefined) {
      this.refuse(now, `--web-config ${this.file}: ${problem}`);
      return this.config;
    }
    this.config = next;
    // The new config may name other files: their state is the one to compare with from now on.
    this.signature = signature(next.files);
    this.refusedSignature = undefined;
    this.log.info({ file: this.file }, 'web config re-read');
    return next;
  }

  private refuse(now: string, reason: string): void {
    this.refusedSignature = now;
    this.log.error({ err: reason }, 'web config changed but cannot be used; the previous one stays in force');
  }
}

function signature(files: readonly string[]): string {
  return files
    .map((f) => {
      const s = fs.statSync(f, { throwIfNoEntry: false });
      return s ? `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : 'missing';
    })
    .join('|');
}
