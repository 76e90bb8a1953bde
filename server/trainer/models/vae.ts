// The variational autoencoder of `--model vae`. The encoder outputs the mean
// and the log-variance of a diagonal Gaussian over the latent space, and the
// training step samples from it (server/trainer/layers-step.ts). The prior is
// N(0, I), so a latent vector drawn from N(0, I) decodes to a plausible image.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../../shared/training';
import type { EncoderDecoder } from './layers';
import { denseLayer, seedSequence } from './layers';

/**
 * Builds the encoder 784 → the hidden sizes (ReLU) → two linear heads of
 * `latent` units, [zMean, zLogVar] in that order, and the decoder latent →
 * the hidden sizes reversed (ReLU) → 784 (sigmoid).
 */
export function buildVariationalAutoencoder(hidden: readonly number[], latent: number, seed: number): EncoderDecoder {
  const nextSeed = seedSequence(seed);

  const pixels = tf.input({ shape: [IMAGE_PIXELS], name: 'pixels' });
  let h = pixels;
  hidden.forEach((units, index) => {
    h = denseLayer({ units, activation: 'relu', seed: nextSeed(), name: `encoder_hidden${index + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  const zMean = denseLayer({ units: latent, activation: 'linear', seed: nextSeed(), name: 'z_mean' }).apply(h) as tf.SymbolicTensor;
  const zLogVar = denseLayer({ units: latent, activation: 'linear', seed: nextSeed(), name: 'z_log_var' }).apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ name: 'encoder', inputs: pixels, outputs: [zMean, zLogVar] });

  const decoder = tf.sequential({ name: 'decoder' });
  [...hidden].reverse().forEach((units, index) => {
    decoder.add(denseLayer({ units, activation: 'relu', seed: nextSeed(), inputSize: index === 0 ? latent : undefined, name: `decoder_hidden${hidden.length - index}` }));
  });
  decoder.add(denseLayer({ units: IMAGE_PIXELS, activation: 'sigmoid', seed: nextSeed(), inputSize: hidden.length === 0 ? latent : undefined, name: 'pixels' }));

  return { encoder, decoder };
}
