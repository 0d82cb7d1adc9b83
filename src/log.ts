// Operational log: pino JSON lines on stderr, written synchronously so nothing is lost at exit.
import pino from 'pino';

export type Logger = pino.Logger;

export function operationalLogger(level: string): Logger {
  return pino({ level, base: null, messageKey: 'msg' }, pino.destination({ dest: 2, sync: true }));
}
