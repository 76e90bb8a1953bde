// A model file for `npm start -- --model-file examples/model.ts`: copy it,
// edit it during the stream, and every save starts a new run with it while
// viewers watch. A save that fails (a syntax error, an exception, shapes that
// do not fit) leaves the previous model training, and the host shows the
// error with its line.
//
// The file exports one function, as its default export. It receives the tf
// namespace (use it rather than importing TensorFlow.js yourself) and the run
// configuration, and returns the encoder and the decoder as two tf.layers
// models. The host joins them into the autoencoder and trains it.

import type * as tfjs from '@tensorflow/tfjs';

import type { ModelFileConfig } from 'latentcast';

export default function model(tf: typeof tfjs, config: ModelFileConfig) {
  // The encoder takes a flat image, config.inputShape ([784]), and outputs the
  // latent vector, [config.latent] (--latent). For convolutions, begin with
  // tf.layers.reshape({ targetShape: config.imageShape, inputShape: config.inputShape }).
  const encoder = tf.sequential({
    name: 'encoder',
    layers: [
      tf.layers.dense({ inputShape: config.inputShape, units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dense({ units: config.latent }),
    ],
  });

  // The decoder takes the latent vector and outputs the image: 784 values
  // (or [28, 28] or [28, 28, 1]), squeezed into [0, 1] by a sigmoid so that
  // they compare with the pixels.
  const decoder = tf.sequential({
    name: 'decoder',
    layers: [
      tf.layers.dense({ inputShape: [config.latent], units: 32, activation: 'relu' }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: config.pixels, activation: 'sigmoid' }),
    ],
  });

  return { encoder, decoder };
}
