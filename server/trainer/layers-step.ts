// The generic training step: runs any encoder and decoder pair of tf.layers
// models through their own `apply`, so convolutions, the VAE and the
// streamer's model file all train the same way.

import * as tf from '@tensorflow/tfjs';

import type { LossKind } from '../../shared/training';
import { klDivergencePerPixel, reconstructionLossOfOutput } from './losses';
import type { Autoencoder } from './model';
import type { TrainingStep } from './training-step';

/** Loss terms of one batch, as scalars and stacked into the layout `TrainingStep` returns. */
interface LossTerms {
  total: tf.Scalar;
  stacked: tf.Tensor1D;
}

export class LayersStep implements TrainingStep {
  readonly termCount: 1 | 3;
  readonly variables: tf.Variable[];

  constructor(
    private readonly model: Autoencoder,
    private readonly loss: LossKind,
  ) {
    this.termCount = model.variational ? 3 : 1;
    const weights = [...model.encoder.trainableWeights, ...model.decoder.trainableWeights];
    this.variables = weights.map((weight) => weight.read() as tf.Variable);
  }

  train(optimizer: tf.Optimizer, input: tf.Tensor2D, target: tf.Tensor2D, seed: number): tf.Tensor1D {
    const result: { stacked?: tf.Tensor1D } = {};
    const cost = optimizer.minimize(
      () => {
        const terms = this.lossTerms(input, target, seed, true);
        // The optimizer disposes everything made in here but its return value, so the terms are kept.
        result.stacked = tf.keep(terms.stacked);
        return terms.total;
      },
      true,
      this.variables,
    );
    cost?.dispose();
    return result.stacked!;
  }

  evaluate(input: tf.Tensor2D, target: tf.Tensor2D, seed: number): tf.Tensor1D {
    return tf.tidy(() => this.lossTerms(input, target, seed, false).stacked);
  }

  reconstruct(input: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.decode(this.encode(input), false));
  }

  encode(input: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.encodeAll(input, false)[0]);
  }

  private lossTerms(input: tf.Tensor2D, target: tf.Tensor2D, seed: number, training: boolean): LossTerms {
    const encoded = this.encodeAll(input, training);
    if (!this.model.variational) {
      const total = reconstructionLossOfOutput(this.loss, target, this.decode(encoded[0], training));
      return { total, stacked: total.reshape([1]) };
    }

    const [mean, logVar] = encoded;
    const z = sampleLatent(mean, logVar, seed);
    const reconstruction = reconstructionLossOfOutput(this.loss, target, this.decode(z, training));
    const kl = klDivergencePerPixel(mean, logVar);
    const total = tf.add(reconstruction, kl) as tf.Scalar;
    return { total, stacked: tf.stack([total, reconstruction, kl]) as tf.Tensor1D };
  }

  /** Returns the encoder's outputs: [code], or [mean, logVar] for a VAE. */
  private encodeAll(input: tf.Tensor2D, training: boolean): tf.Tensor2D[] {
    const output = this.model.encoder.apply(input, { training }) as tf.Tensor2D | tf.Tensor2D[];
    return Array.isArray(output) ? output : [output];
  }

  private decode(z: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return this.model.decoder.apply(z, { training }) as tf.Tensor2D;
  }
}

/**
 * Draws z = mean + exp(logVar / 2) · ε with ε ~ N(0, I), the
 * reparameterisation that lets gradients reach the mean and log-variance.
 * `seed` fixes ε, so a step can be replayed exactly after a checkpoint.
 */
function sampleLatent(mean: tf.Tensor2D, logVar: tf.Tensor2D, seed: number): tf.Tensor2D {
  const epsilon = tf.randomNormal(mean.shape, 0, 1, 'float32', seed);
  return tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), epsilon));
}
