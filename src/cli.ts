#!/usr/bin/env -S node --max-semi-space-size=2
import fs from 'node:fs/promises';
// The command line: the only place that reads argv and the environment, sets exit codes and handles signals.
// The shebang caps V8's young generation: the default lets RSS grow to ~150 MiB for no speed gain.
import { createRequire } from 'node:module';
import { codesJson, codesTable, explain, explainUnknown } from './catalog/render.js';
import { parseFlags, type RunConfig, runConfig } from './config.js';
import { ConfigError, OutputClosedError } from './errors.js';
import { type Logger, operationalLogger } from './log.js';
import { runBatch } from './pipeline.js';
import type { ExporterMetrics } from './sinks/metrics.js';
import { Summary } from './sinks/summary.js';
import { checkReadable } from './sources/files.js';
import { newStats, type PipelineStats } from './stats.js';

const HELP = `Usage: oss-error-exporter [options] [FILE...]
       oss-error-exporter codes [--json]
       oss-error-exporter explain CODE

Finds object-storage (OSS, S3-compatible) XML error bodies in logs and writes one JSON event per
error to stdout, then a summary to stderr. FILEs are read in order; none or '-' reads stdin;
'.gz' files are decompressed.

Options:
  --max-line-length SIZE  skip (and count) longer lines (default 1MiB)
  --max-body-lines N      give up a pretty-printed body after N lines (default 256)
  --no-events             write no JSON events (count only)
  --no-summary            write no summary to stderr
  --no-progress           no progress line on stderr, even on a terminal
  --log-level LEVEL       operational log level on stderr: fatal|error|warn|info|debug|silent (default info)

Metrics:
  --listen HOST:PORT      serve /metrics, /healthz, /readyz while reading (':9817' = every interface)
  --metrics-file FILE     write the final metrics there (node_exporter textfile collector), atomically
  --web-config FILE       TLS and basic auth, Prometheus exporter-toolkit format
  --label-bucket          add oss_errors_by_bucket_total{bucket,class}
  --max-buckets N         distinct bucket label values before 'other' (default 100)
  --max-unknown-codes N   distinct codes outside the catalogue before 'other' (default 100)
  -h, --help              this help
  --version               print the version

Commands:
  codes [--json]          print the error catalogue
  explain CODE            print one catalogue entry
`;

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'codes') {
    const { values } = parseFlags({ args: rest, options: { json: { type: 'boolean' } } });
    process.stdout.write(values.json ? codesJson() : codesTable());
    return 0;
  }
  if (command === 'explain') {
    const { positionals } = parseFlags({ args: rest, options: {}, allowPositionals: true });
    const code = positionals[0];
    if (!code || positionals.length > 1) throw new ConfigError('explain: expected exactly one CODE');
    const text = explain(code);
    process.stdout.write(text ?? explainUnknown(code));
    return text ? 0 : 1;
  }
  return batch(argv);
}

async function batch(argv: readonly string[]): Promise<number> {
  const config = runConfig(argv, process.stderr.isTTY === true);
  if (config.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (config.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  checkReadable(config.files);
  const log = operationalLogger(config.logLevel);
  const stats = newStats();
  const summary = new Summary();
  const exporter = await startExporter(config, stats, log);
  const started = performance.now();
  let failedSources = 0;
  const progress = config.progress ? progressLine(stats) : undefined;
  try {
    exporter.reading = true;
    await runBatch(
      {
        files: config.files,
        limits: config.limits,
        stdin: process.stdin,
        output: config.events ? process.stdout : null,
        observers: exporter.metrics ? [summary.observe, exporter.metrics.observe] : [summary.observe],
        onSourceError(source, error) {
          failedSources++;
          log.error({ source, err: error.message }, 'input failed part-way; going on with the next');
        },
      },
      stats,
    );
  } catch (error) {
    if (error instanceof OutputClosedError) return 0;
    throw error;
  } finally {
    exporter.reading = false;
    progress?.stop();
    await exporter.close();
  }
  if (config.summary) {
    process.stderr.write(summary.render(stats, config.files.length, (performance.now() - started) / 1000));
  }
  return failedSources > 0 ? 1 : 0;
}

interface Exporter {
  metrics: ExporterMetrics | undefined;
  reading: boolean;
  close(): Promise<void>;
}

/**
 * The metrics side, loaded only when asked for (prom-client, the HTTP server and the web config stay out of
 * plain batch runs): `--listen` serves while reading, `--metrics-file` is written at the end.
 */
async function startExporter(config: RunConfig, stats: PipelineStats, log: Logger): Promise<Exporter> {
  const exporter: Exporter = { metrics: undefined, reading: false, close: async () => {} };
  if (config.listen === undefined && config.metricsFile === undefined) return exporter;
  const [{ ExporterMetrics }, { startServer }, { loadWebConfig }] = await Promise.all([
    import('./sinks/metrics.js'),
    import('./sinks/http.js'),
    import('./sinks/web-config.js'),
  ]);
  const metrics = new ExporterMetrics(stats, { ...config.metrics, version: version() });
  exporter.metrics = metrics;
  const web = config.webConfig === undefined ? {} : loadWebConfig(config.webConfig);
  const server =
    config.listen &&
    (await startServer(metrics, { listen: config.listen, web, ready: () => exporter.reading }));
  if (server) log.info({ url: server.url }, `listening on ${server.url}`);
  exporter.close = async () => {
    if (config.metricsFile !== undefined)
      await writeAtomically(config.metricsFile, await metrics.text.metrics());
    if (server) await server.close();
  };
  return exporter;
}

/** For node_exporter's textfile collector: a reader never sees a half-written file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}

/** A one-line progress report on a terminal, rewritten in place every second. */
function progressLine(stats: ReturnType<typeof newStats>): { stop(): void } {
  const timer = setInterval(() => {
    process.stderr.write(
      `\r\u001b[K${stats.lines} lines, ${(stats.bytes / 1e6).toFixed(0)} MB, ${stats.events} errors`,
    );
  }, 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\u001b[K');
    },
  };
}

// An EPIPE on stdout after the reader left must not print a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`oss-error-exporter: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`oss-error-exporter: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
