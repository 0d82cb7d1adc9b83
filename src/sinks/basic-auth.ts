// Basic-auth checks with bcrypt on a worker thread, so a flood of wrong passwords never stalls serving or ingestion.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Checks waiting for the worker beyond this are answered "busy" at once: memory and delay stay bounded. */
export const MAX_PENDING_CHECKS = 32;
/** Recent wrong credentials remembered, so repeating the same wrong password costs no bcrypt; oldest go first. */
export const MAX_REMEMBERED_FAILURES = 256;

/**
 * Compared against when the user is unknown, so a wrong user name costs the same time as a wrong password
 * (exporter-toolkit does the same). The hash of a random string nobody knows, cost 10 like htpasswd's default.
 */
const UNKNOWN_USER_HASH = '$2b$10$gX8pKw5PI1ywZPHgfBbzAOCyG3t8xon8gU1XlH1xBZMxreb/yIqmO';

// The worker's whole program: bcryptjs loaded from where this package resolves it, one compare per message.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch {}
  parentPort.postMessage({ id, ok });
});
`;

export type AuthResult = 'ok' | 'denied' | 'busy';

/**
 * Good credentials are cached per user as a SHA-256 digest of (user, hash, password), compared in constant
 * time: scrapes come every few seconds and bcrypt is slow on purpose. Including the hash means a changed
 * password in a re-read config never matches an old entry.
 */
export class BasicAuth {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, (ok: boolean) => void>();
  private readonly good = new Map<string, Buffer>();
  private readonly failures = new Set<string>();

  async check(header: string | undefined, users: ReadonlyMap<string, string>): Promise<AuthResult> {
    if (!header?.startsWith('Basic ')) return 'denied';
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'denied';
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = users.get(user);
    const digest = createHash('sha256')
      .update(`${user}\u0000${hash ?? UNKNOWN_USER_HASH}\u0000${password}`)
      .digest();
    const cached = this.good.get(user);
    if (cached && timingSafeEqual(cached, digest)) return 'ok';
    const key = digest.toString('hex');
    if (this.failures.has(key)) return 'denied';
    if (this.waiting.size >= MAX_PENDING_CHECKS) return 'busy';
    const ok = (await this.compare(password, hash ?? UNKNOWN_USER_HASH)) && hash !== undefined;
    if (ok) {
      this.good.set(user, digest);
      return 'ok';
    }
    this.failures.add(key);
    if (this.failures.size > MAX_REMEMBERED_FAILURES) {
      this.failures.delete(this.failures.values().next().value as string);
    }
    return 'denied';
  }

  /** Stops the worker (the server is closing). */
  close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const resolve of this.waiting.values()) resolve(false);
    this.waiting.clear();
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  private compare(password: string, hash: string): Promise<boolean> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: bcryptPath });
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      const resolve = this.waiting.get(id);
      this.waiting.delete(id);
      resolve?.(ok);
    });
    // A dead worker denies what it held; the next check starts a new one.
    worker.on('error', () => this.reset(worker));
    worker.on('exit', () => this.reset(worker));
    // An idle worker must not keep the process alive after the server closed.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private reset(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const resolve of this.waiting.values()) resolve(false);
    this.waiting.clear();
  }
}
