// Flags of `npm run train` and `npm run export`. Training takes the host's
// own flag table minus the flags that only a server needs, so that a host
// command line trains the same run offline.

import { resolve } from 'node:path';

import { FLAGS, flagHelpRows, hostOptionsFromFlags, parseFlags } from './options';
import type { FlagSpec, HostOptions } from './options';

/** Host flags about serving viewers, which `npm run train` rejects as unknown. */
const SERVER_FLAGS: ReadonlySet<string> = new Set([
  'port',
  'host',
  'topic-rates',
  'allowed-origins',
  'max-connections-per-ip',
  'submit-limit',
  'submit-limit-per-ip',
  'vote-limit',
  'vote-limit-per-ip',
]);

const OUT_FLAG: FlagSpec = {
  type: 'string',
  value: 'DIR',
  help: 'folder for the exported models, reconstruction sheet and loss history, created if missing',
  default: './export',
};

export const TRAIN_FLAGS: Record<string, FlagSpec> = {
  ...Object.fromEntries(Object.entries(FLAGS).filter(([name]) => !SERVER_FLAGS.has(name))),
  out: OUT_FLAG,
};

export const EXPORT_FLAGS: Record<string, FlagSpec> = {
  'state-dir': { ...FLAGS['state-dir'], help: 'state folder whose current checkpoint is exported' },
  checkpoint: { type: 'string', value: 'FILE', help: 'checkpoint file to export instead, such as an earlier run kept by --fresh' },
  out: OUT_FLAG,
  help: FLAGS.help,
};

/** Prefix of the line that `npm run train` prints last, followed by the result as JSON. */
export const RESULT_PREFIX = 'latentcast-result ';

export interface TrainOptions {
  host: HostOptions;
  /** Absolute path of the export folder. */
  out: string;
}

export interface ExportOptions {
  stateDir: string;
  /** Absolute path of the checkpoint to export, or null for the state folder's current one. */
  checkpoint: string | null;
  out: string;
}

/**
 * Parses the flags of `npm run train`, or throws OptionsError. Logging
 * defaults to warnings and errors, because the progress bar reports the rest.
 */
export function parseTrainOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): TrainOptions | 'help' {
  const values = parseFlags(argv, TRAIN_FLAGS, 'npm run train');
  if (values.help) return 'help';

  const host = hostOptionsFromFlags(values, env);
  const logLevelGiven = values['log-level'] !== undefined || env.LOG_LEVEL !== undefined;
  return { host: { ...host, logLevel: logLevelGiven ? host.logLevel : 'warn' }, out: resolve(stringValue(values.out, OUT_FLAG)) };
}

/** Parses the flags of `npm run export`, or throws OptionsError. */
export function parseExportOptions(argv: string[]): ExportOptions | 'help' {
  const values = parseFlags(argv, EXPORT_FLAGS, 'npm run export');
  if (values.help) return 'help';

  return {
    stateDir: resolve(stringValue(values['state-dir'], EXPORT_FLAGS['state-dir'])),
    checkpoint: typeof values.checkpoint === 'string' ? resolve(values.checkpoint) : null,
    out: resolve(stringValue(values.out, OUT_FLAG)),
  };
}

export function trainHelpText(): string {
  return [
    'Usage: npm run train -- [flags]',
    '',
    'Trains a run without a server, from the checkpoint in --state-dir unless --fresh is given, with the',
    "host's run flags. It prints a progress bar per epoch and the training and validation loss after each,",
    'saves checkpoints like the host, and at the end writes what `npm run export` writes into --out. The',
    `last line is the result as JSON after "${RESULT_PREFIX.trim()}".`,
    '',
    'Flags:',
    ...flagHelpRows(TRAIN_FLAGS),
    '',
    'Examples:',
    '  npm run train -- --fresh --epochs 5 --out results/shapes',
    '  npm run train -- --fresh --dataset mnist --latent 32 --epochs 10 --state-dir var/mnist --out results/mnist',
  ].join('\n');
}

export function exportHelpText(): string {
  return [
    'Usage: npm run export -- [flags]',
    '',
    'Writes the encoder, decoder and autoencoder of a checkpoint as TensorFlow.js LayersModels (model.json',
    'and weights.bin each), a PNG of reconstructions, the loss history as CSV and run.json into --out.',
    '',
    'Flags:',
    ...flagHelpRows(EXPORT_FLAGS),
    '',
    'Example:',
    '  npm run export -- --state-dir ./var --out ./export',
  ].join('\n');
}

function stringValue(value: string | boolean | undefined, spec: FlagSpec): string {
  return typeof value === 'string' ? value : (spec.default ?? '');
}
