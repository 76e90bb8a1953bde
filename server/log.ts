import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;
export type LogFormat = 'pretty' | 'json';

/** Destination of log lines: standard output for the host, standard error for commands whose output is a report. */
export type LogDestination = 'stdout' | 'stderr';

/**
 * Creates the host's logger. A streamer reads the console, so a terminal gets
 * one readable line per event. Anything else (a pipe, a log shipper, a test)
 * gets pino's JSON lines.
 */
export function createLogger(level: string, format: LogFormat = defaultLogFormat(), destination: LogDestination = 'stdout'): Logger {
  const fd = destination === 'stdout' ? 1 : 2;
  if (format === 'json') return destination === 'stdout' ? pino({ name: 'latentcast', level }) : pino({ name: 'latentcast', level }, pino.destination(fd));

  const colorize = Boolean((destination === 'stdout' ? process.stdout : process.stderr).isTTY);
  const stream = pretty({ colorize, sync: true, ignore: 'pid,hostname,name', singleLine: true, destination: fd });
  return pino({ name: 'latentcast', level }, stream);
}

/** Pretty on a terminal, JSON elsewhere. */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? 'pretty' : 'json';
}
