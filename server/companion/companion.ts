// startCompanion: the host without its training worker, for a streamer who
// writes the whole training script on stream. The script trains with its own
// model.fit. The companion serves the viewer page, overlay and gallery, and
// fit callbacks feed them as the worker would.

import { resolve } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import type { RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';

import { parseHostOptions } from '../cli/options';
import type { HostOptions } from '../cli/options';
import { startHost } from '../host';
import { useActiveBackend } from '../tensorflow/main-thread';
import { createLogger } from '../log';
import type { Logger } from '../log';
import { CompanionRun } from './companion-run';
import { checkFitOptions, FitReporter } from './fit-reporter';
import type { FitCallbackOptions } from './fit-reporter';

/** Options of startCompanion; every one has a default. */
export interface CompanionOptions {
  /** TCP port of the viewer page and its WebSockets, 0 for any free port; 3000 by default, or PORT. */
  port?: number;
  /** Address to listen on: 127.0.0.1 by default, 0.0.0.0 to let viewers on other machines in. */
  host?: string;
  /** Folder of the gallery database and the host token, created if missing; ./var by default. */
  stateDir?: string;
  /** Name of your data, as viewers see it; `custom` by default. */
  dataset?: string;
  /** Name of each label of your images, indexed by label; `['image']` by default. */
  labelNames?: string[];
  /** Further host flags as on the command line, such as `['--topic-rates', 'loss=20']`; see `npm start -- --help`. */
  flags?: string[];
  /** A pino logger, or a level for the companion's own (`info` by default). */
  log?: Logger | string;
}

/** The handle that startCompanion returns: the viewer page's address and the hooks for your script. */
export interface Companion {
  /** Viewer page address, such as http://127.0.0.1:3000/. */
  readonly url: string;
  readonly port: number;
  /**
   * Returns a callback for `model.fit({ callbacks })`. Each fit is one run:
   * viewers see its step losses and epochs, and the reconstructions of
   * `probes` when you pass them.
   */
  fitCallbacks(options?: FitCallbackOptions): tf.Callback;
  /** Gives viewers the encoder: it maps 784 pixels to the latent vector, for the latent map and drawing to encode. */
  setEncoder(encoder: tf.LayersModel): void;
  /** Gives viewers the decoder: it maps a latent vector to 784 pixels, for the latent explorer and the gallery. */
  setDecoder(decoder: tf.LayersModel): void;
  /** Closes every viewer connection and the server; a fit that the host panel paused or that diverged goes on. */
  close(): Promise<void>;
}

/**
 * Starts the viewer page, the overlay and the gallery on `port`, without a
 * training worker, and resolves once they listen. Your script trains; pass
 * `live.fitCallbacks()` to `model.fit` and the decoder to `live.setDecoder`.
 */
export async function startCompanion(options: CompanionOptions = {}): Promise<Companion> {
  const log = typeof options.log === 'object' ? options.log : createLogger(options.log ?? 'info');
  const hostOptions = companionHostOptions(options);
  // Backends that start asynchronously, such as WASM, must be ready before the script's first synchronous op.
  await tf.ready();
  await useActiveBackend(log);

  const host = await startHost(hostOptions, log, {}, 'external');
  const sink = { handle: (event: WorkerEvent) => host.runs.handleExternal(event), startRun: (config: RunConfig, reason: string) => host.feed.startRun(config, reason) };
  const run = new CompanionRun({
    sink,
    config: hostOptions.run,
    labelNames: options.labelNames ?? ['image'],
    log,
    // Reading the models more often than the topics' rates would slow the fit for frames that are never sent.
    reconstructionEveryMs: 1000 / hostOptions.topicRates.reconstructions,
    weightsEveryMs: 1000 / hostOptions.topicRates.weights,
  });
  // The host panel's pause and resume hold and release the script's fit between batches.
  host.runs.attachExternal(run);
  log.info(`viewers open ${host.url}`);

  return {
    url: host.url,
    port: host.port,
    fitCallbacks: (fitOptions = {}) => new FitReporter(run, checkFitOptions(fitOptions)),
    setEncoder: (encoder) => run.setEncoder(encoder),
    setDecoder: (decoder) => run.setDecoder(decoder),
    close: () => {
      run.close();
      return host.close();
    },
  };
}

/**
 * Builds the host options from the companion's, through the command-line
 * parser so that every default and check is the host's. The run is the
 * script's: its model is a file, the script itself.
 */
function companionHostOptions(options: CompanionOptions): HostOptions {
  const argv = [...(options.flags ?? [])];
  if (options.port !== undefined) argv.push('--port', String(options.port));
  if (options.host !== undefined) argv.push('--host', options.host);
  if (options.stateDir !== undefined) argv.push('--state-dir', options.stateDir);

  const parsed = parseHostOptions(argv);
  if (parsed === 'help') throw new TypeError('startCompanion: flags may not contain --help.');
  const script = process.argv[1] ? resolve(process.argv[1]) : null;
  return { ...parsed, run: { ...parsed.run, dataset: options.dataset ?? 'custom', model: 'file', modelFile: script } };
}
