// One error base with stable codes, so callers and tests match on `code`, never on message text.

export class ExporterError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExporterError';
  }
}

/** A bad flag or value: printed as one line naming it, exit status 2. */
export class ConfigError extends ExporterError {
  constructor(message: string) {
    super('ERR_CONFIG', message);
    this.name = 'ConfigError';
  }
}

/** The reader of our output went away (`| head -1`): stop quietly. */
export class OutputClosedError extends ExporterError {
  constructor(options?: { cause?: unknown }) {
    super('ERR_OUTPUT_CLOSED', 'output closed by its reader', options);
    this.name = 'OutputClosedError';
  }
}
