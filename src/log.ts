// Operational log: pino JSON lines on stderr, written synchronously so nothing is lost at exit.
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
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
