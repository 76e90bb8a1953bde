// Checks a decoded checkpoint field by field, so that a file from another
// version or a damaged one is rejected on load with the field at fault,
// instead of failing later inside the training worker or an export.

import { DEFAULT_EPSILON, IMAGE_PIXELS } from '../../shared/training';
import type { EpochSummary, RunConfig, WeightTensor } from '../../shared/training';
import type { CheckpointState } from '../../shared/worker-messages';
import type { Checkpoint, ModelTopologies, SavedHistory } from './checkpoint';
import { CheckpointFormatError } from './errors';

type Check<T> = (value: unknown, path: string) => T;

/** One check per run setting; the mapped type makes a new RunConfig field fail to compile until it is checked here. */
const CONFIG_CHECKS: { [Key in keyof RunConfig]-?: Check<RunConfig[Key]> } = {
  dataset: text,
  shapesCount: (value, path) => integer(value, path, 1),
  model: (value, path) => oneOf(value, path, ['dense', 'deep', 'conv', 'vae', 'file'] as const),
  hidden: (value, path) => list(value, path, (item, itemPath) => integer(item, itemPath, 1)),
  latent: (value, path) => integer(value, path, 1),
  loss: (value, path) => oneOf(value, path, ['bce', 'mse'] as const),
  optimizer: (value, path) => oneOf(value, path, ['adam', 'adadelta', 'sgd'] as const),
  learningRate: (value, path) => positive(value, path),
  // Checkpoints saved before --epsilon existed trained with the default.
  epsilon: (value, path) => (value === undefined ? DEFAULT_EPSILON : positive(value, path)),
  batchSize: (value, path) => integer(value, path, 1),
  epochs: (value, path) => integer(value, path, 1),
  validationSplit: (value, path) => positive(value, path),
  seed: (value, path) => integer(value, path, 0),
  backend: (value, path) => oneOf(value, path, ['auto', 'node', 'wasm', 'cpu'] as const),
  denoise: nonNegative,
  modelFile: (value, path) => (value === null ? null : text(value, path)),
};

/** Returns `value` typed as a Checkpoint, or throws CheckpointFormatError naming the first field that is missing or wrong. */
export function validateCheckpoint(value: unknown): Checkpoint {
  const root = record(value, 'checkpoint');
  return {
    savedAt: integer(root.savedAt, 'savedAt', 0),
    runId: text(root.runId, 'runId'),
    elapsedMs: integer(root.elapsedMs, 'elapsedMs', 0),
    config: runConfig(root.config, 'config'),
    // Checkpoints saved before the digest was recorded have no such field.
    modelFileSha256: root.modelFileSha256 === undefined || root.modelFileSha256 === null ? null : text(root.modelFileSha256, 'modelFileSha256'),
    state: checkpointState(root.state, 'state'),
    topology: topologies(root.topology, 'topology'),
    history: savedHistory(root.history, 'history'),
  };
}

function runConfig(value: unknown, path: string): RunConfig {
  const fields = record(value, path);
  const entries = Object.entries(CONFIG_CHECKS).map(([key, check]) => [key, (check as Check<unknown>)(fields[key], `${path}.${key}`)]);
  return Object.fromEntries(entries) as RunConfig;
}

function checkpointState(value: unknown, path: string): CheckpointState {
  const fields = record(value, path);
  const state = {
    epoch: integer(fields.epoch, `${path}.epoch`, 0),
    step: integer(fields.step, `${path}.step`, 0),
    encoder: list(fields.encoder, `${path}.encoder`, weightTensor),
    decoder: list(fields.decoder, `${path}.decoder`, weightTensor),
    optimizer: list(fields.optimizer, `${path}.optimizer`, weightTensor),
  };
  if (state.encoder.length === 0 || state.decoder.length === 0) fail(path, 'has no encoder or no decoder weights');
  return state;
}

function weightTensor(value: unknown, path: string): WeightTensor {
  const fields = record(value, path);
  const tensor = {
    name: text(fields.name, `${path}.name`),
    shape: list(fields.shape, `${path}.shape`, (item, itemPath) => integer(item, itemPath, 0)),
    values: typedArray(fields.values, `${path}.values`, Float32Array),
  };
  const size = tensor.shape.reduce((product, dimension) => product * dimension, 1);
  if (tensor.values.length !== size) fail(path, `has shape [${tensor.shape.join(', ')}] but ${tensor.values.length} values`);
  return tensor;
}

function topologies(value: unknown, path: string): ModelTopologies {
  const fields = record(value, path);
  const topology = (item: unknown, itemPath: string) => {
    const model = record(item, itemPath);
    text(model.class_name, `${itemPath}.class_name`);
    return model;
  };
  return { encoder: topology(fields.encoder, `${path}.encoder`), decoder: topology(fields.decoder, `${path}.decoder`) };
}

function savedHistory(value: unknown, path: string): SavedHistory {
  const fields = record(value, path);
  const losses = record(fields.losses, `${path}.losses`);
  const history: SavedHistory = {
    losses: {
      steps: typedArray(losses.steps, `${path}.losses.steps`, Uint32Array),
      losses: typedArray(losses.losses, `${path}.losses.losses`, Float32Array),
      elapsedMs: typedArray(losses.elapsedMs, `${path}.losses.elapsedMs`, Uint32Array),
    },
    epochs: list(fields.epochs, `${path}.epochs`, epochSummary),
    probes: fields.probes === null ? null : probes(fields.probes, `${path}.probes`),
    reconstructions: fields.reconstructions === null ? null : reconstructions(fields.reconstructions, `${path}.reconstructions`),
  };

  const { steps, losses: values, elapsedMs } = history.losses;
  if (values.length !== steps.length || elapsedMs.length !== steps.length) {
    fail(`${path}.losses`, `has ${steps.length} steps, ${values.length} losses and ${elapsedMs.length} times; they must be equal`);
  }
  return history;
}

function epochSummary(value: unknown, path: string): EpochSummary {
  const fields = record(value, path);
  return {
    epoch: integer(fields.epoch, `${path}.epoch`, 1),
    step: integer(fields.step, `${path}.step`, 0),
    trainLoss: finiteOrNaN(fields.trainLoss, `${path}.trainLoss`),
    validationLoss: finiteOrNaN(fields.validationLoss, `${path}.validationLoss`),
    seconds: finiteOrNaN(fields.seconds, `${path}.seconds`),
    samplesPerSecond: finiteOrNaN(fields.samplesPerSecond, `${path}.samplesPerSecond`),
  };
}

function probes(value: unknown, path: string): NonNullable<SavedHistory['probes']> {
  const fields = record(value, path);
  const count = integer(fields.count, `${path}.count`, 0);
  return {
    count,
    images: sized(typedArray(fields.images, `${path}.images`, Uint8Array), count * IMAGE_PIXELS, `${path}.images`),
    labels: sized(typedArray(fields.labels, `${path}.labels`, Uint8Array), count, `${path}.labels`),
  };
}

function reconstructions(value: unknown, path: string): NonNullable<SavedHistory['reconstructions']> {
  const fields = record(value, path);
  const count = integer(fields.count, `${path}.count`, 0);
  return {
    epoch: integer(fields.epoch, `${path}.epoch`, 0),
    step: integer(fields.step, `${path}.step`, 0),
    count,
    outputs: sized(typedArray(fields.outputs, `${path}.outputs`, Uint8Array), count * IMAGE_PIXELS, `${path}.outputs`),
  };
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'is missing or not an object');
  return value as Record<string, unknown>;
}

function list<T>(value: unknown, path: string, item: Check<T>): T[] {
  if (!Array.isArray(value)) fail(path, 'is missing or not a list');
  return (value as unknown[]).map((entry, index) => item(entry, `${path}[${index}]`));
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'is missing or not a string');
  return value as string;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `is ${JSON.stringify(value)}, not a finite number`);
  return value as number;
}

/** Reads a finite number, or null as NaN, because JSON writes NaN and infinite values, such as a diverged epoch's loss, as null. */
function finiteOrNaN(value: unknown, path: string): number {
  return value === null ? NaN : finite(value, path);
}

function nonNegative(value: unknown, path: string): number {
  const number = finite(value, path);
  if (number < 0) fail(path, `is ${number}, not 0 or above`);
  return number;
}

function positive(value: unknown, path: string): number {
  const number = finite(value, path);
  if (number <= 0) fail(path, `is ${number}, not above 0`);
  return number;
}

function integer(value: unknown, path: string, min: number): number {
  const number = finite(value, path);
  if (!Number.isInteger(number) || number < min) fail(path, `is ${number}, not a whole number of at least ${min}`);
  return number;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) fail(path, `is ${JSON.stringify(value)}, not one of ${allowed.join(', ')}`);
  return value as T;
}

function typedArray<T extends Float32Array | Uint32Array | Uint8Array>(value: unknown, path: string, type: new (length: number) => T): T {
  if (!(value instanceof type)) fail(path, `is missing or not a ${type.name}`);
  return value as T;
}

function sized<T extends Uint8Array>(array: T, length: number, path: string): T {
  if (array.length !== length) fail(path, `has ${array.length} values, expected ${length}`);
  return array;
}

function fail(path: string, problem: string): never {
  throw new CheckpointFormatError(`${path} ${problem}`);
}
