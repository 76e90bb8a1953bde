// Entry point of `npm start`: parses the flags, starts the host and stops it
// cleanly on Ctrl+C or SIGTERM.

import { helpText, OptionsError, parseHostOptions } from './cli/options';
import type { HostOptions } from './cli/options';
import { SchemaVersionError } from './gallery/migrations';
import { ListenError, startHost } from './host';
import { createLogger } from './log';
import { TrainerStartError } from './trainer/trainer-thread';

/** Exit code for a bad flag value, as most command-line tools use. */
const EXIT_USAGE = 2;

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

try {
  const host = await startHost(options, log);
  log.info(`viewers open ${host.url}`);
  stopOnSignals(host.close);
} catch (error) {
  // startHost has logged why training could not start; a listen or schema error is only thrown.
  if (error instanceof ListenError || error instanceof SchemaVersionError) log.error(error.message);
  if (error instanceof ListenError || error instanceof SchemaVersionError || error instanceof TrainerStartError) process.exit(1);
  throw error;
}

function stopOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting without cleanup');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
