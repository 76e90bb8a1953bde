// The autoencoders the host trains: an encoder and a decoder, each a
// tf.layers model of dense layers, so that later work can save and export them.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../shared/training';
import type { RunConfig } from '../../shared/training';

/** A built autoencoder and the sizes of its layers, input to output. */
export interface Autoencoder {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** Unit counts from the input to the output, for example [784, 8, 784]. */
  layerSizes: number[];
}

/**
 * Builds the model that the config selects. `dense` is 784-L-784 with a ReLU
 * latent and a sigmoid output (the classic 784-32-784 with `--latent 32`);
 * `deep` puts the hidden sizes before the latent and mirrors them after it.
 */
export function buildAutoencoder(config: Pick<RunConfig, 'model' | 'hidden' | 'latent' | 'seed'>): Autoencoder {
  const encoderSizes = config.model === 'deep' ? [...config.hidden, config.latent] : [config.latent];
  const decoderSizes = [...encoderSizes.slice(0, -1).reverse(), IMAGE_PIXELS];
  let seed = config.seed;

  const encoder = tf.sequential({ name: 'encoder' });
  encoderSizes.forEach((units, index) => {
    encoder.add(denseLayer(units, 'relu', seed++, index === 0 ? IMAGE_PIXELS : undefined));
  });

  const decoder = tf.sequential({ name: 'decoder' });
  decoderSizes.forEach((units, index) => {
    const last = index === decoderSizes.length - 1;
    decoder.add(denseLayer(units, last ? 'sigmoid' : 'relu', seed++, index === 0 ? config.latent : undefined));
  });

  return { encoder, decoder, layerSizes: [IMAGE_PIXELS, ...encoderSizes, ...decoderSizes] };
}

/** Releases every weight of the model. */
export function disposeAutoencoder(model: Autoencoder): void {
  model.encoder.dispose();
  model.decoder.dispose();
}

function denseLayer(units: number, activation: 'relu' | 'sigmoid', seed: number, inputSize?: number) {
  return tf.layers.dense({
    units,
    activation,
    inputShape: inputSize === undefined ? undefined : [inputSize],
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  });
}
