// Debian's nginx on loopback for end-to-end tests: finds it and its dynamic modules, runs it from a temp prefix.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './cli.js';

/** A dynamic module a gateway flavour loads, and the Debian package that ships it. */
export interface NginxModule {
  file: string;
  debianPackage: string;
}

/** The nginx binary: on PATH, else Debian's /usr/sbin/nginx (sbin is not on a non-root user's PATH). */
export const NGINX =
  spawnSync('nginx', ['-v']).error && fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** Where this nginx looks for dynamic modules (`--modules-path` of `nginx -V`), or undefined without nginx. */
export function nginxModulesDir(): string | undefined {
  const run = spawnSync(NGINX, ['-V'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) return undefined;
  return /--modules-path=(\S+)/.exec(run.stderr)?.[1] ?? '/usr/lib/nginx/modules';
}

/** What is missing to run nginx with `modules`, naming the Debian packages; undefined when nothing is. */
export function missingNginx(modules: readonly NginxModule[]): string | undefined {
  const dir = nginxModulesDir();
  if (dir === undefined) return 'nginx is not installed (Debian package nginx)';
  const missing = modules.filter((m) => !fs.existsSync(path.join(dir, m.file)));
  if (missing.length === 0) return undefined;
  return `nginx modules missing from ${dir}: ${missing
    .map((m) => `${m.file} (Debian package ${m.debianPackage})`)
    .join(', ')}`;
}

export interface RunningNginx {
  prefix: string;
  accessLog: string;
  errorLog: () => string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground from a fresh temp prefix with `main` (module loads) and `http` (the http
 * block's contents; `ACCESS_LOG` in it is replaced by the access log's path), and waits until every port in
 * `ports` accepts connections. The workers run as the current user so they can use the temp prefix.
 */
export async function startNginx(
  main: string,
  http: string,
  ports: readonly number[],
): Promise<RunningNginx> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-nginx-'));
  const accessLog = path.join(prefix, 'access.log');
  const errorLog = path.join(prefix, 'error.log');
  const temp = (name: string) => path.join(prefix, name);
  const conf = [
    main,
    'daemon off;',
    // As root the workers would otherwise run as nobody, who cannot enter a mkdtemp folder.
    process.getuid?.() === 0 ? 'user root root;' : '',
    'worker_processes 1;',
    `pid ${temp('nginx.pid')};`,
    `error_log ${errorLog} warn;`,
    'events { worker_connections 256; }',
    'http {',
    // The compiled-in temp paths are under /var/lib/nginx: keep everything in the prefix.
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${temp(t)};`),
    http.replaceAll('ACCESS_LOG', accessLog),
    '}',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', 'nginx.conf', '-e', errorLog], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const readErrorLog = () => `${stderr}${fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : ''}`;
  let done = false;
  void exited.then(() => {
    done = true;
  });
  try {
    for (const port of ports) {
      await waitFor(`nginx to listen on ${port}`, async () => {
        if (done) throw new Error(`nginx exited at start:\n${readErrorLog()}`);
        return (await accepts(port)) ? true : undefined;
      });
    }
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    prefix,
    accessLog,
    errorLog: readErrorLog,
    async stop() {
      if (!done) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A TCP connection only (no HTTP request), so probing leaves no line in the access log. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
