// Entry point of `npm start`: parses the flags, starts the host, lets the
// streamer pause from the keyboard and stops cleanly on Ctrl+C or SIGTERM.

import { helpText, OptionsError, parseHostOptions } from './cli/options';
import type { HostOptions } from './cli/options';
import { CheckpointStoreError } from './checkpoints/store';
import { ListenError, startHost, StateDirError } from './host';
import type { Host } from './host';
import { networkUrls } from './http/share-links';
import { createLogger } from './log';
import { SchemaVersionError } from './storage/sqlite';
import type { Logger } from './log';
import { TrainerStartError } from './trainer/trainer-thread';

/** Exit code for a bad flag value, as most command-line tools use. */
const EXIT_USAGE = 2;

/**
 * Maximum time a stop on Ctrl+C or SIGTERM may take before the process exits
 * anyway. The checkpoint save gets 3 s and the worker 5 s to release its tensors.
 */
const SHUTDOWN_LIMIT_MS = 10_000;

let options: HostOptions | 'help';
try {
  options = parseHostOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof OptionsError)) throw error;
  console.error(`latentcast: ${error.message}`);
  process.exit(EXIT_USAGE);
}

if (options === 'help') {
  console.log(helpText());
  process.exit(0);
}

const log = createLogger(options.logLevel, options.logFormat);
log.info({ pid: process.pid, run: options.run }, 'starting latentcast');

// Until the host is up there is nothing to close, but Ctrl+C must still stop it.
let host: Host | null = null;
stopOnSignals(log, () => host);

try {
  host = await startHost(options, log);
  log.info(`viewers open ${host.url}`);
  logNetworkUrls(log, options.host, host.port);
  listenForKeys(log, host);
} catch (error) {
  const startProblem =
    error instanceof ListenError || error instanceof SchemaVersionError || error instanceof StateDirError || error instanceof CheckpointStoreError;
  if (startProblem) log.error(error.message);
  // startHost has logged why training could not start.
  if (startProblem || error instanceof TrainerStartError) process.exit(1);
  throw error;
}

function stopOnSignals(logger: Logger, currentHost: () => Host | null): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting without cleanup');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');

    const running = currentHost();
    if (!running) {
      logger.info('stopped before training started');
      process.exit(0);
    }
    // The checkpoint save happens inside close(), before the worker stops.
    setTimeout(() => {
      logger.error({ limitMs: SHUTDOWN_LIMIT_MS }, `stopping took longer than ${SHUTDOWN_LIMIT_MS} ms; exiting without finishing cleanup`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Prints a URL per network address, since 0.0.0.0 itself is no address a viewer can open. */
function logNetworkUrls(logger: Logger, listenHost: string, port: number): void {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return;
  for (const { url } of networkUrls(listenHost, port)) logger.info(`viewers on your network open ${url}`);
}

/**
 * Lets the streamer press `p` to pause or resume training and `q` to quit,
 * when the console is a terminal. Ctrl+C keeps working because raw mode
 * delivers it as a key, which is turned back into SIGINT here.
 */
function listenForKeys(logger: Logger, running: Host): void {
  if (!process.stdin.isTTY) return;
  process.stdin.setRawMode(true);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (key: string) => {
    if (key === '\u0003' || key === 'q') {
      process.kill(process.pid, 'SIGINT');
    } else if (key === 'p') {
      const state = running.history.status(0).state;
      if (state === 'training') running.runs.pause();
      else if (state === 'paused' || state === 'diverged') running.runs.resume();
      else logger.info(`training is ${state}; p pauses only while training`);
    }
  });
  logger.info('press p to pause or resume training, q to quit');
}
