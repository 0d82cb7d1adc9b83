#!/usr/bin/env -S node --max-semi-space-size=4 --single-threaded-gc --heap-growing-percent=100
// The command line: the only place that reads argv and the environment, sets exit codes and handles signals.
// The shebang caps V8's young generation at 4 MiB: the default (16) lets RSS grow to ~150 MiB for no speed
// gain, 2 MiB spends a fifth of the run in GC. It keeps the collector on the thread it collects for: with heaps
// this small, helper threads cost more than they save (0.98x the time of one thread, 0.97x two, and follow
// mode at 300k lines/s 7.8% of a core against 10.0%). And it lets the old generation grow to twice what a full
// collection left, not V8's up to four times: two threads over 5M lines of SDK output peaked at 149 MiB against
// 180 (1.05x the time), the nginx corpus at 127 against 139 (the same time). The image and `npm run bench` run
// Node with these flags.
import { createRequire } from 'node:module';
import { codesJson, codesTable, explain, explainUnknown } from './catalog/render.js';
import { DEFAULT_PORT, type FollowConfig, parseFlags, type RunConfig, runConfig } from './config.js';
import { ConfigError, OutputClosedError } from './errors.js';
import { type Logger, operationalLogger } from './log.js';
import { runBatch, startWorker } from './pipeline.js';
import { eventPrinter } from './sinks/events.js';
import type { ExporterMetrics } from './sinks/metrics.js';
import { checkOutputFile, writeAtomically } from './sinks/output-file.js';
import { Summary } from './sinks/summary.js';
import { checkReadable, STDIN } from './sources/files.js';
import { globToRegExp } from './sources/glob.js';
import { newStats, type PipelineStats } from './stats.js';

const HELP = `Usage: oss-error-exporter [options] [FILE...]
       oss-error-exporter codes [--json]
       oss-error-exporter explain CODE
       oss-error-exporter report [FILE...] [-o report.html]

Finds object-storage (OSS, S3-compatible) XML error bodies in logs and writes one JSON event per
error to stdout, then a summary to stderr. FILEs are read in order; none or '-' reads stdin;
'.gz' files are decompressed.

Options:
  --max-line-length SIZE  skip (and count) longer lines (default 1MiB)
  --max-body-lines N      give up a pretty-printed body after N lines (default 256)
  --threads N             1 or 2: plain files of 256 MiB and more are read in blocks by this thread and a
                          worker thread, .gz files of 4 MiB and more inflated by one (default 2)
  --no-events             write no JSON events (count only)
  --event-format FORMAT   event field names: native (default), ecs (Elastic Common Schema) or otel
                          (OpenTelemetry log data model)
  --no-summary            write no summary to stderr
  --no-progress           no progress line on stderr, even on a terminal
  --log-level LEVEL       operational log level on stderr: fatal|error|warn|info|debug|silent (default info)

Follow mode (a sidecar, a DaemonSet, \`tail -F … |\`):
  -F, --follow            keep reading FILEs (globs allowed) as they grow, across rotation, until SIGTERM/SIGINT;
                          serves metrics on :9817 unless --listen is given; stdin when no FILE
  --exclude GLOB          leave out matching files (whole path, or base name when GLOB has no '/'); repeatable
  --from-end              files present at start are read from their end (default: from the beginning)
  --positions FILE        save offsets and counters there, resume from them after a restart
  --positions-interval D  how often positions are saved (default 5s)
  --rotate-wait D         keep reading a rotated file until idle this long (default 5s)
  --poll-interval D       how often files are checked (default 250ms)
  --reset-counters        start the counters from zero even when positions hold saved values

Metrics:
  --listen HOST:PORT      serve /metrics, /healthz, /readyz while reading (':9817' = every interface);
                          also --web.listen-address
  --metrics-file FILE     write the final metrics there (node_exporter textfile collector), atomically
  --web-config FILE       TLS, mTLS, headers, basic auth, rate limit: Prometheus exporter-toolkit format,
                          re-read when it or a certificate changes; also --web.config.file
  --web.telemetry-path P  serve the metrics at P (default /metrics)
  --label-bucket          add oss_errors_by_bucket_total{bucket,class}
  --max-buckets N         distinct bucket label values before 'other' (default 100)
  --max-unknown-codes N   distinct codes outside the catalogue before 'other' (default 100)
  -h, --help              this help
  --version               print the version

Commands:
  codes [--json]          print the error catalogue
  explain CODE            print one catalogue entry
  report [FILE...] -o F   an offline HTML incident report (timeline, codes, buckets, keys, spikes) from the logs
`;

const SUBCOMMAND_HELP = {
  codes: `Usage: oss-error-exporter codes [--json]

Prints the error catalogue: every row of the OSS error reference with its HTTP status, class, category and
description (as a table, or as JSON with --json).
`,
  explain: `Usage: oss-error-exporter explain CODE

Prints one catalogue entry: status, class, category and description. The usual spellings are accepted
(InternalError finds the document's InternalErrror). Exits 1 when the code is not in the catalogue.
`,
  report: `Usage: oss-error-exporter report [FILE...] [-o report.html]

Reads the logs once (files in order, '-' or none for stdin, .gz decompressed) and writes one offline HTML page:
timeline, codes, buckets, keys, status codes and spikes.

Options:
  -o, --output FILE       where the page goes (default report.html)
  --max-line-length SIZE  skip (and count) longer lines (default 1MiB)
  --log-level LEVEL       operational log level on stderr (default info)
  -h, --help              this help
`,
} as const;

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'codes' || command === 'explain' || command === 'report') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(SUBCOMMAND_HELP[command]);
      return 0;
    }
  }
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
  if (command === 'report') return report(rest);
  return batch(argv);
}

/** `report [FILE...] -o report.html`: one pass over the logs, aggregated while streaming, one offline HTML page. */
async function report(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: [...args],
    options: {
      output: { type: 'string', short: 'o' },
      'max-line-length': { type: 'string' },
      'log-level': { type: 'string' },
    },
    allowPositionals: true,
  });
  const config = runConfig(
    [
      '--no-events',
      ...(values['max-line-length'] ? ['--max-line-length', values['max-line-length']] : []),
      ...positionals,
    ],
    false,
  );
  const output = values.output ?? 'report.html';
  checkReadable(config.files);
  checkOutputFile('-o', output);
  const log = operationalLogger(values['log-level'] ?? 'info');
  const { ReportAggregator } = await import('./report/aggregate.js');
  const { renderReport } = await import('./report/render.js');
  const stats = newStats();
  const aggregator = new ReportAggregator();
  let failed = 0;
  await runBatch(
    {
      files: config.files,
      limits: config.limits,
      stdin: process.stdin,
      output: null,
      observers: [aggregator.observe],
      onSourceError(source, error) {
        failed++;
        log.error({ source, err: error.message }, 'input failed part-way; going on with the next');
      },
    },
    stats,
  );
  const html = renderReport(aggregator.summary(), {
    files: config.files.map((f) => (f === STDIN ? 'stdin' : f)),
    stats,
    generatedAt: new Date().toISOString(),
  });
  await writeAtomically(output, html);
  process.stderr.write(
    `oss-error-exporter: wrote ${output} (${aggregator.total} errors, ${stats.lines} lines)\n`,
  );
  return failed > 0 ? 1 : 0;
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
  if (config.metricsFile !== undefined) checkOutputFile('--metrics-file', config.metricsFile);
  const log = operationalLogger(config.logLevel);
  if (config.follow) return follow(config, config.follow, log);
  checkReadable(config.files);
  const stats = newStats();
  const summary = new Summary();
  const parallel = config.threads === 1 ? (false as const) : undefined;
  // Started first: its thread starts while the metrics load.
  const worker = await startWorker(config.files, parallel);
  const exporter = await startExporter(config, stats, log).catch(async (error: unknown) => {
    await worker?.stop();
    throw error;
  });
  const started = performance.now();
  let failedSources = 0;
  const progress = config.progress ? progressLine(stats) : undefined;
  try {
    exporter.reading = true;
    await runBatch(
      {
        worker,
        files: config.files,
        limits: config.limits,
        stdin: process.stdin,
        output: config.events ? process.stdout : null,
        eventFormat: config.eventFormat,
        observers: exporter.metrics ? [summary.observe, exporter.metrics.observe] : [summary.observe],
        parallel,
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
    await worker?.stop();
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
  /** Replaces `reading` as the /readyz answer (follow mode: files open). */
  ready?: () => boolean;
  close(): Promise<void>;
}

/**
 * `--follow`: files (globs too) are tailed until SIGTERM/SIGINT, with metrics served on :9817 unless --listen
 * says otherwise; stdin is read until it ends. A first signal drains and saves positions, a second exits at once.
 */
async function follow(config: RunConfig, options: FollowConfig, log: Logger): Promise<number> {
  if (options.positionsFile !== undefined) checkOutputFile('--positions', options.positionsFile);
  checkGlobs(config.files, options.excludes);
  const stats = newStats();
  const withServer: RunConfig = {
    ...config,
    listen: config.listen ?? { host: undefined, port: DEFAULT_PORT },
  };
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    log.info({ signal }, 'stopping: draining events and saving positions (a second signal exits at once)');
    stop.abort();
  };
  // Before the server says it listens: a signal sent as soon as it does must find its handler, not kill.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const exporter = await startExporter(withServer, stats, log);
  const metrics = exporter.metrics as ExporterMetrics;
  const output = config.events ? process.stdout : null;
  try {
    if (config.files.length === 1 && config.files[0] === STDIN) {
      if (stop.signal.aborted) return 0;
      stop.signal.addEventListener('abort', () => process.stdin.destroy());
      exporter.reading = true;
      await runBatch(
        {
          files: config.files,
          limits: config.limits,
          stdin: process.stdin,
          output,
          eventFormat: config.eventFormat,
          observers: [metrics.observe],
          onSourceError: (source, error) => log.error({ source, err: error.message }, 'input failed'),
        },
        stats,
      );
      return 0;
    }
    // Loaded only to follow: batch runs do not pay for the tailer.
    const { Follower, systemClock } = await import('./follow.js');
    const follower = new Follower({
      patterns: config.files.filter((f) => f !== STDIN),
      config: options,
      limits: config.limits,
      stats,
      observers: [metrics.observe],
      print: output ? eventPrinter(output, stats, config.eventFormat) : async () => {},
      log,
      clock: systemClock,
      counters: () => metrics.snapshot(),
    });
    const saved = follower.loadState();
    if (saved !== undefined && !options.resetCounters && !metrics.restore(saved))
      log.warn({ file: options.positionsFile }, 'saved counters are damaged; counters start from zero');
    metrics.addTailer(() => follower.tailerFigures());
    exporter.ready = () => follower.ready;
    await follower.run(stop.signal);
    return 0;
  } catch (error) {
    if (error instanceof OutputClosedError) return 0;
    throw error;
  } finally {
    exporter.reading = false;
    await exporter.close();
  }
}

/**
 * The metrics side, loaded only when asked for (prom-client, the HTTP server and the web config stay out of
 * plain batch runs): `--listen` serves while reading, `--metrics-file` is written at the end.
 */
async function startExporter(config: RunConfig, stats: PipelineStats, log: Logger): Promise<Exporter> {
  const exporter: Exporter = { metrics: undefined, reading: false, close: async () => {} };
  if (config.listen === undefined && config.metricsFile === undefined) return exporter;
  const { ExporterMetrics } = await import('./sinks/metrics.js');
  const metrics = new ExporterMetrics(stats, {
    ...config.metrics,
    version: version(),
    processMetrics: config.listen !== undefined,
  });
  exporter.metrics = metrics;
  // Checked at start even when nothing is served, so a broken file is found before it is needed.
  if (config.webConfig !== undefined && config.listen === undefined)
    (await import('./sinks/web-config.js')).loadWebConfig(config.webConfig);
  // The server is loaded only to serve: a batch run that writes a metrics file does not pay for it.
  const server =
    config.listen &&
    (await (
      await import('./sinks/http.js')
    ).startServer(metrics, {
      listen: config.listen,
      webConfigFile: config.webConfig,
      telemetryPath: config.telemetryPath,
      ready: () => exporter.ready?.() ?? exporter.reading,
      log,
    }));
  if (server) log.info({ url: server.url }, `listening on ${server.url}`);
  exporter.close = async () => {
    if (config.metricsFile !== undefined)
      await writeAtomically(config.metricsFile, await metrics.text.metrics());
    if (server) await server.close();
  };
  return exporter;
}

/** A pattern that cannot be a glob (`[z-a].log`) is a bad flag, not a crash at the first poll. */
function checkGlobs(patterns: readonly string[], excludes: readonly string[]): void {
  for (const [flag, list] of [
    ['FILE', patterns],
    ['--exclude', excludes],
  ] as const) {
    for (const pattern of list) {
      try {
        globToRegExp(pattern);
      } catch (error) {
        throw new ConfigError(`${flag} '${pattern}': not a valid glob (${(error as Error).message})`);
      }
    }
  }
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
