// Captures the state a run needs to continue exactly (weights, optimizer
// slots, epoch and step) and restores it into a freshly built model. Writing
// it to disk is the checkpoint store's job, not the worker's.

import * as tf from '@tensorflow/tfjs';

import type { WeightTensor } from '../../shared/training';
import type { CheckpointState } from '../../shared/worker-messages';
import type { Autoencoder } from './model';

/** Raised for a checkpoint that does not fit the model or optimizer of this run; the message names the mismatch. */
export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
}

/** Name TensorFlow.js gives the optimizer's iteration count, the first of its weights. */
const ITERATIONS = 'iter';

// A new run is also the fix when an earlier latentcast saved the checkpoint
// with other layers, as `--model conv --latent 128` had before its code became
// the feature map itself.
const FIX =
  'resume with the same --model, --latent, --hidden and --optimizer as the checkpoint, or start a new run with --fresh ' +
  '(also needed for a checkpoint from a latentcast version whose model had other layers)';

/** Copies the weights of `model` and the slots of `optimizer` off the backend. */
export async function captureCheckpoint(model: Autoencoder, optimizer: tf.Optimizer, epoch: number, step: number): Promise<CheckpointState> {
  const encoder = await modelWeights(model.encoder);
  const decoder = await modelWeights(model.decoder);

  const optimizerWeights: WeightTensor[] = [];
  for (const { name, tensor } of await optimizer.getWeights()) {
    // NOTE: WeightTensor values are float32, which stores the iteration count exactly only up to 2^24 (16,777,216) steps.
    optimizerWeights.push({ name, shape: tensor.shape, values: Float32Array.from(await tensor.data()) });
    // The iteration count is a new scalar; the slots are the optimizer's own variables.
    if (name === ITERATIONS) tensor.dispose();
  }
  return { epoch, step, encoder, decoder, optimizer: optimizerWeights };
}

/**
 * Loads the checkpoint's weights into `model` and its slots into `optimizer`,
 * which must not have run a step yet. `variables` are the trainable variables
 * in the order the training step passes them to the optimizer. Throws
 * CheckpointMismatchError, before changing anything, when a count or shape differs.
 */
export async function restoreCheckpoint(
  model: Autoencoder,
  optimizer: tf.Optimizer,
  variables: readonly tf.Variable[],
  state: CheckpointState,
): Promise<void> {
  checkCounter('epoch', state.epoch);
  checkCounter('step', state.step);
  checkWeights('encoder', state.encoder, model.encoder.weights.map((weight) => weight.shape));
  checkWeights('decoder', state.decoder, model.decoder.weights.map((weight) => weight.shape));
  checkOptimizerWeights(optimizer, state.optimizer, variables);

  setModelWeights(model.encoder, state.encoder);
  setModelWeights(model.decoder, state.decoder);
  const named = state.optimizer.map((weight) => ({
    name: weight.name,
    tensor: tf.tensor(weight.values, weight.shape, weight.name === ITERATIONS ? 'int32' : 'float32'),
  }));
  try {
    await optimizer.setWeights(named);
  } finally {
    // setWeights turns each slot into a variable of its own, so these copies can go.
    named.forEach(({ tensor }) => tensor.dispose());
  }
}

async function modelWeights(model: tf.LayersModel): Promise<WeightTensor[]> {
  const weights: WeightTensor[] = [];
  for (const weight of model.weights) {
    const values = await weight.read().data();
    weights.push({ name: weight.originalName, shape: [...weight.shape] as number[], values: Float32Array.from(values) });
  }
  return weights;
}

function setModelWeights(model: tf.LayersModel, weights: WeightTensor[]): void {
  const tensors = weights.map((weight) => tf.tensor(weight.values, weight.shape, 'float32'));
  try {
    model.setWeights(tensors);
  } finally {
    tensors.forEach((tensor) => tensor.dispose());
  }
}

function checkWeights(part: string, weights: WeightTensor[], shapes: tf.Shape[]): void {
  if (weights.length !== shapes.length) {
    throw new CheckpointMismatchError(`the checkpoint has ${weights.length} ${part} weights and this model ${shapes.length}; ${FIX}.`);
  }
  weights.forEach((weight, index) => checkWeight(`${part} weight ${index} (${weight.name})`, weight, shapes[index] as number[]));
}

/** Checks the iteration count first, then slots that follow the variables' shapes, cycling once per kind of slot (Adam has two). */
function checkOptimizerWeights(optimizer: tf.Optimizer, weights: WeightTensor[], variables: readonly tf.Variable[]): void {
  const kind = optimizer.getClassName();
  if (weights.length === 0 || weights[0].name !== ITERATIONS) {
    throw new CheckpointMismatchError(`the checkpoint's optimizer weights do not start with the iteration count "${ITERATIONS}"; ${FIX}.`);
  }

  const slots = weights.slice(1);
  const slotKinds = kind === 'SGD' ? 0 : 2;
  if (slots.length !== 0 && slots.length !== slotKinds * variables.length) {
    throw new CheckpointMismatchError(
      `the checkpoint has ${slots.length} optimizer slots, but ${kind} keeps ${slotKinds} per variable and this model has ${variables.length} variables; ${FIX}.`,
    );
  }
  slots.forEach((slot, index) => checkWeight(`optimizer slot ${index} (${slot.name})`, slot, variables[index % variables.length].shape));
}

function checkWeight(label: string, weight: WeightTensor, expected: number[]): void {
  const size = weight.shape.reduce((product, dimension) => product * dimension, 1);
  if (weight.shape.join(',') !== expected.join(',')) {
    throw new CheckpointMismatchError(`${label} has shape [${weight.shape.join(', ')}] in the checkpoint and [${expected.join(', ')}] in this model; ${FIX}.`);
  }
  if (weight.values.length !== size) {
    throw new CheckpointMismatchError(`${label} has ${weight.values.length} values for shape [${weight.shape.join(', ')}], which needs ${size}; the checkpoint is damaged.`);
  }
}

function checkCounter(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new CheckpointMismatchError(`the checkpoint's ${name} ${value} is not a whole number of 0 or more; the checkpoint is damaged.`);
  }
}
