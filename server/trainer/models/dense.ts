// The dense autoencoders: `dense` (784-L-784) and `deep` (hidden layers
// around the latent, mirrored in the decoder).

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../../shared/training';
import type { EncoderDecoder } from './layers';
import { denseLayer, seedSequence } from './layers';

/**
 * Builds 784, the hidden sizes, the latent, the hidden sizes reversed, 784.
 * Every layer but the last has a ReLU; the output has a sigmoid. With no
 * hidden sizes this is the classic 784-32-784 of the Keras blog at `--latent 32`.
 */
export function buildDenseAutoencoder(hidden: readonly number[], latent: number, seed: number): EncoderDecoder {
  const nextSeed = seedSequence(seed);
  const encoderSizes = [...hidden, latent];
  const decoderSizes = [...[...hidden].reverse(), IMAGE_PIXELS];

  const encoder = tf.sequential({ name: 'encoder' });
  encoderSizes.forEach((units, index) => {
    encoder.add(denseLayer({ units, activation: 'relu', seed: nextSeed(), inputSize: index === 0 ? IMAGE_PIXELS : undefined }));
  });

  const decoder = tf.sequential({ name: 'decoder' });
  decoderSizes.forEach((units, index) => {
    const activation = index === decoderSizes.length - 1 ? 'sigmoid' : 'relu';
    decoder.add(denseLayer({ units, activation, seed: nextSeed(), inputSize: index === 0 ? latent : undefined }));
  });

  return { encoder, decoder };
}
