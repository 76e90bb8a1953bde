// One interface over the two ways the trainer runs a model: the fused dense
// step for `dense` and `deep` (step.ts), and the generic step for any pair of
// tf.layers models (layers-step.ts).

import type * as tf from '@tensorflow/tfjs';

import type { RunConfig } from '../../shared/training';
import type { Autoencoder } from './model';
import { LayersStep } from './layers-step';
import { FusedDenseStep } from './step';

/**
 * The forward and backward passes of one model. Loss terms come back as one
 * tensor still on the backend, so that the loop can read many steps at once:
 * [total] for a plain autoencoder, [total, reconstruction, KL] for a VAE.
 */
export interface TrainingStep {
  /** 1 for a plain autoencoder, 3 for a VAE. */
  readonly termCount: 1 | 3;
  /** Every trainable variable, the encoder's first. */
  readonly variables: tf.Variable[];
  /**
   * Runs one optimizer step that maps `input` (noisy when denoising) to
   * `target` (clean) and returns its loss terms. `seed` fixes the VAE's latent sample.
   */
  train(optimizer: tf.Optimizer, input: tf.Tensor2D, target: tf.Tensor2D, seed: number): tf.Tensor1D;
  /** Returns the loss terms of a batch without training. */
  evaluate(input: tf.Tensor2D, target: tf.Tensor2D, seed: number): tf.Tensor1D;
  /** Returns the model's output for `input`, pixels in [0, 1]; a VAE decodes its mean. */
  reconstruct(input: tf.Tensor2D): tf.Tensor2D;
  /** Returns the latent codes of `input`; a VAE's are its means. */
  encode(input: tf.Tensor2D): tf.Tensor2D;
}

/** Picks the fused dense step for `dense` and `deep`, which is measured and fast, and the generic step for every other model. */
export function createTrainingStep(model: Autoencoder, config: Pick<RunConfig, 'model' | 'loss'>): TrainingStep {
  if (config.model === 'dense' || config.model === 'deep') return new FusedDenseStep(model, config.loss);
  return new LayersStep(model, config.loss);
}
