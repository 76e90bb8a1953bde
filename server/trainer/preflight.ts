// The preflight: one training step and one evaluation of the chosen model on
// the chosen backend, run before the worker reports `ready`. Backends differ
// in which kernels they have, and a model that cannot train here must fail
// at start, not in the middle of a stream.

import * as tf from '@tensorflow/tfjs';

import type { RunConfig } from '../../shared/training';
import { batchTensor, EVALUATION_BATCH, noisyBatchTensor, rangeIndices } from './batches';
import type { Dataset } from './datasets/types';
import type { Autoencoder } from './model';
import { createOptimizer } from './optimizer';
import { createRandom } from './random';
import { createTrainingStep } from './training-step';
import type { TrainingStep } from './training-step';

/** Raised when the preflight fails. `missingKernel` names the kernel the backend lacks, when that is the cause. */
export class PreflightError extends Error {
  override name = 'PreflightError';

  constructor(
    message: string,
    /** Kernel that the backend does not have, such as Conv2DBackpropFilter; null for any other failure. */
    readonly missingKernel: string | null,
    /** True when the loss was NaN or infinite: a fault of the model or the learning rate, so no fallback is tried. */
    readonly notFinite = false,
  ) {
    super(message);
  }
}

export type PreflightConfig = Pick<RunConfig, 'model' | 'loss' | 'optimizer' | 'learningRate' | 'epsilon' | 'batchSize' | 'denoise' | 'seed'>;

/**
 * Runs one optimizer step on the first training batch, with the configured
 * batch size, loss, optimizer and denoising, then the validation loss, the
 * reconstructions and the latent codes on one evaluation batch, exactly as
 * the loop does. Restores the model's weights afterwards and releases every
 * tensor it made. Throws PreflightError.
 */
export function preflight(model: Autoencoder, config: PreflightConfig, dataset: Dataset): void {
  const saved = [...model.encoder.getWeights(), ...model.decoder.getWeights()].map((weight) => tf.clone(weight));
  const optimizer = createOptimizer(config.optimizer, config.learningRate, config.epsilon);
  try {
    const step = createTrainingStep(model, config);
    checkFinite('training step', trainOnce(step, optimizer, config, dataset), config);
    checkFinite('validation pass', evaluateOnce(step, dataset), config);
  } catch (error) {
    throw asPreflightError(error, config);
  } finally {
    model.encoder.setWeights(saved.slice(0, model.encoder.weights.length));
    model.decoder.setWeights(saved.slice(model.encoder.weights.length));
    saved.forEach((tensor) => tensor.dispose());
    optimizer.dispose();
  }
}

/** Runs one optimizer step on the first training batch and returns its loss terms. */
function trainOnce(step: TrainingStep, optimizer: tf.Optimizer, config: PreflightConfig, dataset: Dataset): Float32Array {
  const indices = rangeIndices(0, Math.min(config.batchSize, dataset.train.count));
  const target = batchTensor(dataset.train, indices);
  const input = config.denoise > 0 ? noisyBatchTensor(dataset.train, indices, config.denoise, createRandom(config.seed, 'preflight')) : target;
  try {
    // The tidy releases what a failing step leaves behind, such as its forward output.
    return tf.tidy(() => {
      const terms = step.train(optimizer, input, target, 1);
      const values = terms.dataSync() as Float32Array;
      terms.dispose();
      return values;
    });
  } catch (error) {
    releaseGradientTape();
    throw error;
  } finally {
    tf.dispose([input, target]);
  }
}

/** Computes the validation loss, the reconstructions and the latent codes of one evaluation batch, and returns the loss terms. */
function evaluateOnce(step: TrainingStep, dataset: Dataset): Float32Array {
  const indices = rangeIndices(0, Math.min(EVALUATION_BATCH, dataset.validation.count));
  return tf.tidy(() => {
    const validation = batchTensor(dataset.validation, indices);
    const loss = step.evaluate(validation, validation, 1);
    // Reading every result back makes each kernel run now, on every backend.
    step.reconstruct(validation).mul(255).round().toInt().dataSync();
    step.encode(validation).dataSync();
    return loss.dataSync() as Float32Array;
  });
}

function checkFinite(label: string, terms: Float32Array, config: PreflightConfig): void {
  if (terms.every(Number.isFinite)) return;
  throw new PreflightError(
    `the first ${label} of --model ${config.model} gave a loss of ${Array.from(terms).join(', ')}, which is not finite; ` +
      'lower --lr, or check the model for a layer that overflows.',
    null,
    true,
  );
}

/** Wraps an error of the preflight, naming the missing kernel when TensorFlow.js reports one. */
function asPreflightError(error: unknown, config: PreflightConfig): PreflightError {
  if (error instanceof PreflightError) return error;

  const message = (error as Error).message ?? String(error);
  const kernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(message);
  const backend = tf.getBackend();
  if (kernel) {
    return new PreflightError(`the ${backend} backend lacks the kernel ${kernel[1]}, which training --model ${config.model} needs`, kernel[1]);
  }
  return new PreflightError(`the first training step of --model ${config.model} failed on the ${backend} backend: ${message}`, null);
}

/**
 * Releases the tensors that a backward pass which threw left on the engine's
 * gradient tape. TensorFlow.js 4.22 disposes them only at the end of a
 * successful `gradients` call (tfjs-core engine.ts), so a missing gradient
 * kernel would otherwise leak one batch of saved activations. This repeats
 * that clean-up, on the engine's internal state.
 */
function releaseGradientTape(): void {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null } }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) node.saved?.forEach((tensor) => tensor.dispose());
  state.activeTape = null;
}
