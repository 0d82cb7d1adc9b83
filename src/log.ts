// Operational log: pino JSON lines on stderr with ISO 8601 time and level names, written synchronously so nothing is lost at exit.
import pino from 'pino';
import { redactText } from './extract/redact.js';

export type Logger = pino.Logger;

/** A log call's message and string fields through the events' redaction: a path or an error may quote input. */
function redactArg(arg: unknown): unknown {
  if (typeof arg === 'string') return redactText(arg);
  if (arg === null || typeof arg !== 'object' || arg instanceof Error) return arg;
  return Object.fromEntries(
    Object.entries(arg).map(([k, v]) => [k, typeof v === 'string' ? redactText(v) : v]),
  );
}

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
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(redactArg) as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
