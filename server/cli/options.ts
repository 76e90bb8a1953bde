// Command-line flags of the host: one table drives parsing, defaults,
// validation messages and `--help`, so the four never disagree.

import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { TOPICS } from '../../shared/protocol/topics';
import { DEFAULT_EPSILON } from '../../shared/training';
import type { BackendChoice, LossKind, ModelKind, OptimizerKind, RunConfig } from '../../shared/training';
import { HUB_DEFAULTS } from '../broadcast/hub';
import type { HubOptions } from '../broadcast/hub';
import { DEFAULT_TOPIC_RATES } from '../broadcast/training-feed';
import type { TopicRates } from '../broadcast/training-feed';
import { describeLimit, GALLERY_LIMIT_DEFAULTS } from '../gallery/rate-limits';
import type { GalleryLimits, RateLimit } from '../gallery/rate-limits';
import type { LogFormat } from '../log';

/** Everything the host needs to start: the run plus where and how to serve it. */
export interface HostOptions {
  run: RunConfig;
  port: number;
  host: string;
  stateDir: string;
  /** Steps between two reconstruction refreshes. */
  reconstructionEvery: number;
  /** Maximum broadcasts per second of each topic. */
  topicRates: TopicRates;
  /** Limits of the WebSocket hub that the command line sets. */
  hub: Pick<HubOptions, 'allowedOrigins' | 'maxConnectionsPerIp'>;
  /** Rate limits of gallery submissions and votes, per viewer and per IP address. */
  galleryLimits: GalleryLimits;
  logLevel: string;
  logFormat: LogFormat | undefined;
  /** Epochs between two checkpoints; 0 saves only when the run finishes or the host stops. */
  checkpointEvery: number;
  /** Minimum time between two periodic checkpoints, in seconds, 0 to 86,400. */
  checkpointInterval: number;
  /** Starts a new run even when the state folder contains a checkpoint, which is kept. */
  fresh: boolean;
  /** Names of the flags given on the command line, without dashes; a resumed run takes the rest from its checkpoint. */
  explicitFlags: ReadonlySet<string>;
  /** Whether /overlay shows errors of the streamer's model file, besides the log and the host panel. */
  showErrorsOnOverlay: boolean;
  /** Threads that share each training step of the dense and deep models, 1 to the number of CPUs. */
  trainThreads: number;
}

/** Raised for a flag value the host cannot run with; the message names value and fix. */
export class OptionsError extends Error {
  override name = 'OptionsError';
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Value placeholder in `--help`, such as `N` or `RATE`. */
  value?: string;
  help: string;
  default?: string;
}

export const FLAGS: Record<string, FlagSpec> = {
  dataset: {
    type: 'string',
    value: 'NAME',
    help: '`shapes` (generated outlines), `mnist` (the real digits) or the path of a folder of PNG, JPEG or WebP images',
    default: 'shapes',
  },
  'shapes-count': { type: 'string', value: 'N', help: 'number of generated images for `--dataset shapes`', default: '4000' },
  // TODO: the default run (shapes, 784-8-784) plateaus near validation BCE 0.18 with rotated
  // outlines still blurry, while --latent 32 is crisp. A better default must keep weight frames small.
  model: {
    type: 'string',
    value: 'KIND',
    help:
      '`dense` (784-L-784), `deep` (the --hidden sizes, the latent, then the mirror), ' +
      '`conv` (the Keras blog model: 3x3 convolutions with max pooling to 4x4x8, then convolutions with upsampling. ' +
      'That feature map is the code with --latent 128, and other sizes add a dense latent layer) ' +
      'or `vae` (variational, with the --hidden sizes, latent prior N(0, I))',
    default: 'dense',
  },
  'model-file': {
    type: 'string',
    value: 'PATH',
    help: 'JavaScript or TypeScript file whose exported function builds the encoder and decoder (see examples/model.ts); saving it starts a new run',
  },
  'show-errors-on-overlay': { type: 'boolean', help: 'show errors of the --model-file (message, file, line) on /overlay too, not only in the log and host panel' },
  hidden: { type: 'string', value: 'SIZES', help: 'comma-separated hidden layer sizes for `--model deep` and `--model vae`', default: '256,128,64' },
  latent: { type: 'string', value: 'N', help: 'latent vector size, 1 to 1024; small values can be steered with sliders', default: '8' },
  denoise: {
    type: 'string',
    value: 'STDDEV',
    help: 'standard deviation of the Gaussian noise added to every input pixel (clipped to [0, 1]), 0 to 1; the target stays clean. 0 trains a plain autoencoder',
    default: '0',
  },
  loss: { type: 'string', value: 'KIND', help: '`bce` (binary cross-entropy per pixel) or `mse` (mean squared error)', default: 'bce' },
  optimizer: { type: 'string', value: 'KIND', help: '`adam`, `adadelta` or `sgd`', default: 'adam' },
  lr: { type: 'string', value: 'RATE', help: 'learning rate; default 0.001 for adam, 1 for adadelta, 0.1 for sgd' },
  epsilon: {
    type: 'string',
    value: 'E',
    help: 'fuzz factor of adam and adadelta, above 0 and at most 1, as in TensorFlow.js and tf.keras. Keras 1.0 gave adadelta 1e-6',
    default: String(DEFAULT_EPSILON),
  },
  'batch-size': { type: 'string', value: 'N', help: 'images per training step', default: '64' },
  epochs: { type: 'string', value: 'N', help: 'passes over the training split; the state is `finished` after the last', default: '50' },
  'validation-split': {
    type: 'string',
    value: 'FRACTION',
    help: 'fraction of a shapes or folder dataset held out for validation, above 0 and at most 0.5 (MNIST uses its 10k test set)',
    default: '0.1',
  },
  seed: { type: 'string', value: 'N', help: 'seed for data generation, shuffling and weight initialisation', default: '1' },
  backend: {
    type: 'string',
    value: 'NAME',
    help: '`auto` (tfjs-node if installed, then WASM, then CPU), `node`, `wasm` or `cpu`',
    default: 'auto',
  },
  'train-threads': {
    type: 'string',
    value: 'N',
    help: 'threads that share each training step of the dense and deep models, each computing part of the batch, 1 to the number of CPUs; other models train on one',
    default: '1',
  },
  'recon-every': { type: 'string', value: 'STEPS', help: 'training steps between two reconstruction refreshes', default: '100' },
  port: { type: 'string', value: 'PORT', help: 'TCP port for HTTP and WebSockets; also read from PORT', default: '3000' },
  host: {
    type: 'string',
    value: 'ADDRESS',
    help: 'address to listen on; use 0.0.0.0 so that viewers on other machines can connect',
    default: '127.0.0.1',
  },
  'topic-rates': {
    type: 'string',
    value: 'LIST',
    help: 'maximum broadcasts per second of each topic, such as loss=10,reconstructions=0.5; unlisted topics keep their default',
    default: Object.entries(DEFAULT_TOPIC_RATES)
      .map(([topic, rate]) => `${topic}=${rate}`)
      .join(','),
  },
  'allowed-origins': {
    type: 'string',
    value: 'LIST',
    help: 'comma-separated origins allowed to open /ws, such as https://example.com; default any',
  },
  'max-connections-per-ip': {
    type: 'string',
    value: 'N',
    help: 'open WebSocket connections allowed from one IP address',
    default: String(HUB_DEFAULTS.maxConnectionsPerIp),
  },
  'submit-limit': {
    type: 'string',
    value: 'N/SECONDS',
    help: 'gallery submissions one viewer may make: N per SECONDS, in bursts of up to N',
    default: limitText(GALLERY_LIMIT_DEFAULTS.submitPerViewer),
  },
  'submit-limit-per-ip': {
    type: 'string',
    value: 'N/SECONDS',
    help: 'gallery submissions from one IP address, shared by every viewer behind it',
    default: limitText(GALLERY_LIMIT_DEFAULTS.submitPerIp),
  },
  'vote-limit': {
    type: 'string',
    value: 'N/SECONDS',
    help: 'gallery votes and un-votes one viewer may make: N per SECONDS',
    default: limitText(GALLERY_LIMIT_DEFAULTS.votePerViewer),
  },
  'vote-limit-per-ip': {
    type: 'string',
    value: 'N/SECONDS',
    help: 'gallery votes and un-votes from one IP address',
    default: limitText(GALLERY_LIMIT_DEFAULTS.votePerIp),
  },
  'state-dir': { type: 'string', value: 'DIR', help: 'folder for checkpoints and the gallery, created if missing', default: './var' },
  'checkpoint-every': {
    type: 'string',
    value: 'N',
    help: 'epochs between two checkpoints in the state folder; 0 saves only when the run finishes or the host stops',
    default: '5',
  },
  'checkpoint-interval': {
    type: 'string',
    value: 'SECONDS',
    help: 'minimum time between two periodic checkpoints, so that short epochs do not save every few seconds; 0 saves every N epochs',
    default: '60',
  },
  fresh: { type: 'boolean', help: 'start a new run even if the state folder contains a checkpoint, which is kept there under another name' },
  'log-level': { type: 'string', value: 'LEVEL', help: '`debug`, `info`, `warn` or `error`; also read from LOG_LEVEL', default: 'info' },
  'log-format': { type: 'string', value: 'FORMAT', help: '`pretty` or `json`; default pretty on a terminal, JSON otherwise' },
  help: { type: 'boolean', help: 'print this help and exit' },
};

const DEFAULT_LEARNING_RATE: Record<OptimizerKind, number> = { adam: 0.001, adadelta: 1, sgd: 0.1 };

/** Flag values as `parseArgs` returns them: a string or `true` for each flag given. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** Parses `argv` (without node and script) into options, or throws OptionsError. */
export function parseHostOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): HostOptions | 'help' {
  const values = parseFlags(argv, FLAGS, 'npm start');
  if (values.help) return 'help';
  return hostOptionsFromFlags(values, env);
}

/** Validates parsed flag values into host options; a flag missing from `values` takes its default from FLAGS. */
export function hostOptionsFromFlags(values: FlagValues, env: NodeJS.ProcessEnv = process.env): HostOptions {

  const text = (name: string): string => {
    const value = values[name];
    return typeof value === 'string' ? value : (FLAGS[name].default ?? '');
  };

  const optimizer = oneOf<OptimizerKind>('optimizer', text('optimizer'), ['adam', 'adadelta', 'sgd']);
  const modelFile = values['model-file'] === undefined ? null : parseModelFile(text('model-file'), values.model);
  if (values['show-errors-on-overlay'] && !modelFile) {
    throw new OptionsError('--show-errors-on-overlay shows errors of a model file; add --model-file PATH, or leave the flag out.');
  }
  const run: RunConfig = {
    dataset: parseDataset(text('dataset')),
    shapesCount: integer('shapes-count', text('shapes-count'), 10, 1_000_000),
    model: modelFile ? 'file' : oneOf<ModelKind>('model', text('model'), ['dense', 'deep', 'conv', 'vae']),
    hidden: parseHidden(text('hidden')),
    latent: integer('latent', text('latent'), 1, 1024),
    loss: oneOf<LossKind>('loss', text('loss'), ['bce', 'mse']),
    optimizer,
    learningRate: values.lr === undefined ? DEFAULT_LEARNING_RATE[optimizer] : positiveNumber('lr', text('lr')),
    epsilon: parseEpsilon(text('epsilon'), optimizer, values.epsilon !== undefined),
    batchSize: integer('batch-size', text('batch-size'), 1, 65_536),
    epochs: integer('epochs', text('epochs'), 1, 1_000_000),
    validationSplit: fraction('validation-split', text('validation-split')),
    seed: integer('seed', text('seed'), 0, 2 ** 31 - 1),
    backend: oneOf<BackendChoice>('backend', text('backend'), ['auto', 'node', 'wasm', 'cpu']),
    denoise: unitInterval('denoise', text('denoise')),
    modelFile,
  };

  const portText = typeof values.port === 'string' ? values.port : (env.PORT ?? text('port'));
  return {
    run,
    port: integer('port', portText, 0, 65_535),
    host: text('host'),
    stateDir: resolve(text('state-dir')),
    reconstructionEvery: integer('recon-every', text('recon-every'), 1, 1_000_000),
    topicRates: parseTopicRates(text('topic-rates')),
    hub: {
      allowedOrigins: values['allowed-origins'] === undefined ? null : parseOrigins(text('allowed-origins')),
      maxConnectionsPerIp: integer('max-connections-per-ip', text('max-connections-per-ip'), 1, 1_000_000),
    },
    galleryLimits: {
      submitPerViewer: parseLimit('submit-limit', text('submit-limit')),
      submitPerIp: parseLimit('submit-limit-per-ip', text('submit-limit-per-ip')),
      votePerViewer: parseLimit('vote-limit', text('vote-limit')),
      votePerIp: parseLimit('vote-limit-per-ip', text('vote-limit-per-ip')),
    },
    logLevel: oneOf('log-level', typeof values['log-level'] === 'string' ? values['log-level'] : (env.LOG_LEVEL ?? 'info'), [
      'debug',
      'info',
      'warn',
      'error',
    ]),
    logFormat: values['log-format'] === undefined ? undefined : oneOf<LogFormat>('log-format', text('log-format'), ['pretty', 'json']),
    checkpointEvery: integer('checkpoint-every', text('checkpoint-every'), 0, 1_000_000),
    checkpointInterval: integer('checkpoint-interval', text('checkpoint-interval'), 0, 86_400),
    fresh: values.fresh === true,
    explicitFlags: new Set(Object.keys(values).filter((name) => values[name] !== undefined)),
    showErrorsOnOverlay: values['show-errors-on-overlay'] === true,
    trainThreads: parseTrainThreads(text('train-threads')),
  };
}

/**
 * Parses `--train-threads`: a whole number from 1 to the CPUs that Node
 * reports (`os.availableParallelism()`), because more threads than CPUs only
 * take turns. Throws OptionsError naming the value and the range.
 */
export function parseTrainThreads(value: string, cpuCount: number = availableParallelism()): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 1 || number > cpuCount) {
    throw new OptionsError(
      `--train-threads "${value}" is not valid. Use a whole number from 1 to ${cpuCount}, the number of CPUs here, such as --train-threads ${cpuCount}.`,
    );
  }
  return number;
}

/** Formats `--help`: every flag with its value, meaning and default. */
export function helpText(): string {
  return [
    'Usage: npm start -- [flags]',
    '',
    'Trains an image autoencoder and streams it live to viewers at http://HOST:PORT/.',
    '',
    'Flags:',
    ...flagHelpRows(FLAGS),
    '',
    'Examples:',
    '  npm start',
    '  npm start -- --dataset mnist --model dense --latent 32',
    '  npm start -- --dataset data/samples --host 0.0.0.0',
    '  npm start -- --model-file examples/model.ts --latent 2',
  ].join('\n');
}

/** Formats one `--help` line per flag of `flags`: name, value placeholder, meaning and default. */
export function flagHelpRows(flags: Record<string, FlagSpec>): string[] {
  return Object.entries(flags).map(([name, spec]) => {
    const left = `  --${name}${spec.value ? ` ${spec.value}` : ''}`;
    const fallback = spec.default === undefined ? '' : ` (default: ${spec.default})`;
    return `${left.padEnd(30)} ${spec.help}${fallback}`;
  });
}

/** Parses `argv` against the flag table `flags`; `command` is how the user runs the program, for the error message. */
export function parseFlags(argv: string[], flags: Record<string, FlagSpec>, command: string): FlagValues {
  const options = Object.fromEntries(Object.entries(flags).map(([name, spec]) => [name, { type: spec.type }]));
  try {
    return parseArgs({ args: joinNegativeValues(argv, flags), options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new OptionsError(`${(error as Error).message}. Run \`${command} -- --help\` for the list of flags.`);
  }
}

/** Turns `--epochs -1` into `--epochs=-1`, so that a negative number reaches validation instead of parseArgs's "ambiguous" error. */
function joinNegativeValues(argv: string[], flags: Record<string, FlagSpec>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    const next = argv[i + 1];
    if (flags[name]?.type === 'string' && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      joined.push(`${argv[i]}=${next}`);
      i++;
    } else {
      joined.push(argv[i]);
    }
  }
  return joined;
}

function parseDataset(value: string): string {
  if (value === 'shapes' || value === 'mnist') return value;

  const folder = resolve(value);
  if (!existsSync(folder)) {
    throw new OptionsError(
      `--dataset "${value}" is neither \`shapes\`, \`mnist\` nor an existing folder (looked for ${folder}). ` +
        'Pass one of the two names, or the path of a folder of PNG, JPEG or WebP images.',
    );
  }
  if (!statSync(folder).isDirectory()) {
    throw new OptionsError(`--dataset "${value}" is a file; pass the folder that contains the images instead.`);
  }
  return folder;
}

/** Extensions of model files that the training worker can import. */
const MODEL_FILE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

function parseModelFile(value: string, model: string | boolean | undefined): string {
  if (model !== undefined) {
    throw new OptionsError(`--model ${String(model)} and --model-file both choose the model; pass only one of them.`);
  }

  const file = resolve(value);
  if (!MODEL_FILE_EXTENSIONS.includes(extname(file))) {
    throw new OptionsError(`--model-file "${value}" is not a JavaScript or TypeScript file; use a file ending in ${MODEL_FILE_EXTENSIONS.join(', ')}.`);
  }
  if (!existsSync(file)) {
    throw new OptionsError(`--model-file "${value}" does not exist (looked for ${file}); copy examples/model.ts there to start from a working model.`);
  }
  if (!statSync(file).isFile()) throw new OptionsError(`--model-file "${value}" is not a file; pass the path of the model file itself.`);
  return file;
}

function parseTopicRates(value: string): TopicRates {
  const rates = { ...DEFAULT_TOPIC_RATES };
  for (const entry of value.split(',').filter((part) => part.trim() !== '')) {
    const [topic, rateText = ''] = entry.split('=').map((part) => part.trim());
    const rate = Number(rateText);
    if (!(TOPICS as readonly string[]).includes(topic) || rateText === '' || !Number.isFinite(rate) || rate <= 0 || rate > 1000) {
      throw new OptionsError(
        `--topic-rates entry "${entry}" is not valid. Use TOPIC=RATE with a topic of ${TOPICS.join(', ')} and a rate above 0 and at most 1000 per second.`,
      );
    }
    rates[topic as keyof TopicRates] = rate;
  }
  return rates;
}

function limitText(limit: RateLimit): string {
  return `${limit.count}/${limit.seconds}`;
}

/** Parses a rate limit such as `1/2` (1 per 2 seconds). */
function parseLimit(flag: string, value: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  const count = match ? Number(match[1]) : NaN;
  const seconds = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || count > 1_000_000 || seconds <= 0 || seconds > 86_400) {
    throw new OptionsError(
      `--${flag} "${value}" is not valid. Use N/SECONDS with N from 1 to 1000000 and SECONDS above 0 and at most 86400, such as 1/2 for ${describeLimit({ count: 1, seconds: 2 })}.`,
    );
  }
  return { count, seconds };
}

function parseOrigins(value: string): string[] {
  const origins = value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // Reported below with the fix.
    }
    if (!parsed || parsed.origin !== origin) {
      throw new OptionsError(`--allowed-origins entry "${origin}" is not an origin. Use scheme, host and port only, such as https://example.com.`);
    }
  }
  return origins;
}

function parseHidden(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  return parts.map((part) => integer('hidden', part, 1, 8192, `"${value}"`));
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new OptionsError(`--${flag} "${value}" is not valid. Use one of: ${allowed.join(', ')}.`);
}

function integer(flag: string, value: string, min: number, max: number, shown = `"${value}"`): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    throw new OptionsError(`--${flag} ${shown} is not valid. Use a whole number from ${min} to ${max}.`);
  }
  return number;
}

/** Parses `--epsilon`, which only Adam and Adadelta use, so that a value given with SGD is an error rather than silently ignored. */
function parseEpsilon(value: string, optimizer: OptimizerKind, explicit: boolean): number {
  if (explicit && optimizer === 'sgd') {
    throw new OptionsError('--epsilon has no effect with --optimizer sgd. Leave it out, or use --optimizer adam or adadelta.');
  }
  const epsilon = positiveNumber('epsilon', value);
  if (epsilon > 1) throw new OptionsError(`--epsilon "${value}" is not valid. Use a number above 0 and at most 1, such as 1e-7.`);
  return epsilon;
}

function positiveNumber(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new OptionsError(`--${flag} "${value}" is not valid. Use a number above 0, such as 0.001.`);
  }
  return number;
}

function unitInterval(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new OptionsError(`--${flag} "${value}" is not valid. Use a number from 0 to 1, such as 0.3.`);
  }
  return number;
}

function fraction(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0 || number > 0.5) {
    throw new OptionsError(`--${flag} "${value}" is not valid. Use a number above 0 and at most 0.5, such as 0.1.`);
  }
  return number;
}
