// Operational log: pino JSON lines on stderr with ISO 8601 time and level names, written synchronously so nothing is lost at exit.
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * `{"level":"info","time":"2026-01-02T03:04:05.678Z","msg":"…"}`: the same time convention as the events on
 * stdout, and level names a reader (or a log shipper's severity mapping) needs no table for.
 */
export function operationalLogger(level: string): Logger {
  return pino(
    {
      level,
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
