// The tailer's self-monitoring, read from the follower at scrape time; a closed file's series go away.
import { Counter, Gauge, type Registry } from 'prom-client';
import { FILE_ERROR_REASONS, type FileFigures, type TailerFigures } from '../stats.js';

export function registerTailerMetrics(registers: Registry[], read: () => TailerFigures): void {
  const perFile = (
    name: string,
    help: string,
    pick: (f: FileFigures) => number,
    type: 'counter' | 'gauge',
  ) => {
    const config = {
      name,
      help,
      labelNames: ['path'] as const,
      registers,
      collect(this: Counter<'path'> | Gauge<'path'>) {
        // Absolute values, rebuilt at each scrape: paths closed for good disappear instead of piling up.
        this.reset();
        for (const [path, figures] of read().files) {
          const value = pick(figures);
          if (this instanceof Gauge) this.labels(path).set(value);
          else this.labels(path).inc(value);
        }
      },
    };
    if (type === 'gauge') new Gauge(config);
    else new Counter(config);
  };
  perFile('oss_exporter_file_bytes_read_total', 'Bytes read per followed file.', (f) => f.bytes, 'counter');
  perFile('oss_exporter_file_lines_read_total', 'Lines read per followed file.', (f) => f.lines, 'counter');
  perFile(
    'oss_exporter_file_rotations_total',
    'Rotations (rename, delete) seen per path.',
    (f) => f.rotations,
    'counter',
  );
  perFile(
    'oss_exporter_file_truncations_total',
    'Truncations (copytruncate, > file) seen per path.',
    (f) => f.truncations,
    'counter',
  );
  perFile(
    'oss_exporter_file_lag_bytes',
    'Bytes between the read offset and the end of the file.',
    (f) => f.lag,
    'gauge',
  );
  new Gauge({
    name: 'oss_exporter_files_watched',
    help: 'Files open for following, rotated ones still being read included.',
    registers,
    collect() {
      this.set(read().watched);
    },
  });
  const reportedErrors = new Map<string, number>(FILE_ERROR_REASONS.map((r) => [r, 0]));
  const fileErrors = new Counter({
    name: 'oss_exporter_file_errors_total',
    help: 'Files that could not be opened or read (counted once per path and reason until it opens), by reason.',
    labelNames: ['reason'],
    registers,
    collect() {
      const now = read().fileErrors;
      for (const reason of FILE_ERROR_REASONS) {
        const before = reportedErrors.get(reason) ?? 0;
        if (now[reason] > before) this.labels(reason).inc(now[reason] - before);
        reportedErrors.set(reason, now[reason]);
      }
    },
  });
  for (const reason of FILE_ERROR_REASONS) fileErrors.labels(reason).inc(0);
  let reported = 0;
  new Counter({
    name: 'oss_exporter_positions_write_failures_total',
    help: 'Failed writes of the positions file (full or read-only disk); the exporter keeps serving.',
    registers,
    collect() {
      const now = read().positionsWriteFailures;
      if (now > reported) this.inc(now - reported);
      reported = now;
    },
  });
}
