import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;
export type LogFormat = 'pretty' | 'json';

/**
 * Creates the host's logger. A streamer reads the console, so a terminal gets
 * one readable line per event. Anything else (a pipe, a log shipper, a test)
 * gets pino's JSON lines.
 */
export function createLogger(level: string, format: LogFormat = defaultLogFormat()): Logger {
  if (format === 'json') return pino({ name: 'latentcast', level });

  const stream = pretty({ colorize: Boolean(process.stdout.isTTY), sync: true, ignore: 'pid,hostname,name', singleLine: true });
  return pino({ name: 'latentcast', level }, stream);
}

/** Pretty on a terminal, JSON elsewhere. */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? 'pretty' : 'json';
}
