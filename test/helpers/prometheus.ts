// A real Prometheus (Debian's package) on loopback for end-to-end tests: scrapes one target every second.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './cli.js';

export interface QueryResult {
  status: string;
  error?: string;
  data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

export interface RunningPrometheus {
  api: string;
  query(q: string): Promise<QueryResult>;
  /** Resolves once `job` has been scraped successfully (`up == 1`). */
  firstScrape(job: string): Promise<void>;
  stop(): void;
}

/**
 * Starts Prometheus scraping `target` (host:port) as `job`, with `ruleFiles` loaded; evaluation every second.
 * `flags` go to the command line as they are (`--enable-feature=exemplar-storage`).
 */
export async function startPrometheus(
  target: string,
  job: string,
  ruleFiles: readonly string[] = [],
  flags: readonly string[] = [],
): Promise<RunningPrometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-prometheus-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${ruleFiles.map((f) => `'${f}'`).join(', ')}]`,
      'scrape_configs:',
      `  - job_name: ${job}`,
      `    static_configs: [{ targets: ['${target}'] }]`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...flags,
    ],
    { stdio: 'ignore' },
  );
  const query = async (q: string) => {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(q)}`);
    return (await res.json()) as QueryResult;
  };
  return {
    api,
    query,
    async firstScrape(job) {
      await waitFor(
        `a first scrape of ${job}`,
        async () => {
          const body = await query(`up{job="${job}"} == 1`).catch(() => undefined);
          return (body?.data?.result.length ?? 0) > 0 ? true : undefined;
        },
        30_000,
      );
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}
