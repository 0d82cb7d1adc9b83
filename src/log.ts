// Operational log: pino JSON lines on stderr with ISO 8601 time and level names, written synchronously so nothing is lost at exit.
import { createRequire } from 'node:module';
import type pinoFactory from 'pino';
import { redactText } from './extract/redact.js';

/** What the tool logs through: pino's four levels it uses (a pino logger is one). */
export type Logger = Pick<pinoFactory.Logger, 'error' | 'warn' | 'info' | 'debug'>;

// pino is loaded at the first line logged: a batch run that logs nothing never loads it (~25 ms of its start).
const load = createRequire(import.meta.url);

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
 * stdout, and level names a reader (or a log shipper's severity mapping) needs no table for. `level` is one
 * the configuration checked.
 */
export function operationalLogger(level: string): Logger {
  let logger: pinoFactory.Logger | undefined;
  const pinoLogger = (): pinoFactory.Logger => {
    if (logger) return logger;
    const pino = load('pino') as typeof pinoFactory;
    logger = pino(
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
    return logger;
  };
  const at =
    (name: keyof Logger): pinoFactory.LogFn =>
    (...args: unknown[]) =>
      (pinoLogger()[name] as (...args: unknown[]) => void)(...args);
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
