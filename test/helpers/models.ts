// Small LayersModels of each kind the host broadcasts, for tests that turn
// them into snapshots: dense, convolutional and a VAE encoder with two outputs.

import type * as tfjs from '@tensorflow/tfjs';

import { modelSnapshot } from '../../server/trainer/snapshot';
import type { ModelSnapshot } from '../../shared/training';

type TensorFlow = typeof tfjs;

/** Builds a 784-16-`latent` ReLU encoder, as `--model deep` does with one hidden layer. */
export function denseEncoder(tf: TensorFlow, latent: number, seed = 1): tfjs.LayersModel {
  return tf.sequential({
    name: 'encoder',
    layers: [
      tf.layers.dense({ inputShape: [784], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: latent, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** Builds a `latent`-16-784 decoder with a sigmoid output. */
export function denseDecoder(tf: TensorFlow, latent: number, seed = 3): tfjs.LayersModel {
  return tf.sequential({
    name: 'decoder',
    layers: [
      tf.layers.dense({ inputShape: [latent], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** Builds a decoder like a conv autoencoder's: dense to 7×7×4, then two strided transposed convolutions up to 28×28×1. */
export function convDecoder(tf: TensorFlow, latent: number, seed = 5): tfjs.LayersModel {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  return tf.sequential({
    name: 'conv_decoder',
    layers: [
      tf.layers.dense({ inputShape: [latent], units: 7 * 7 * 4, activation: 'relu', kernelInitializer: init(0) }),
      tf.layers.reshape({ targetShape: [7, 7, 4] }),
      tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', kernelInitializer: init(2) }),
    ],
  });
}

/** Builds a VAE-style encoder: a strided convolution over the 28×28×1 image, then two dense heads, the mean first and the log-variance second. */
export function vaeEncoder(tf: TensorFlow, latent: number, seed = 9): tfjs.LayersModel {
  const image = tf.input({ shape: [28, 28, 1], name: 'vae_image' });
  const features = tf.layers.flatten().apply(
    tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(image),
  ) as tfjs.SymbolicTensor;
  const mean = tf.layers.dense({ units: latent, name: 'z_mean', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(features) as tfjs.SymbolicTensor;
  const logVariance = tf.layers.dense({ units: latent, name: 'z_log_var', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(features) as tfjs.SymbolicTensor;
  return tf.model({ inputs: image, outputs: [mean, logVariance], name: 'vae_encoder' });
}

/** Returns the snapshot of `model` at `step` and disposes the model. */
export function snapshotOf(model: tfjs.LayersModel, step: number): ModelSnapshot {
  const snapshot = modelSnapshot(model, step);
  model.dispose();
  return snapshot;
}

/** Builds `model`, writes the snapshot's weights into it with plain `setWeights` and returns it: a reference that skips `modelFromJSON`. */
export function referenceModel(tf: TensorFlow, model: tfjs.LayersModel, snapshot: ModelSnapshot): tfjs.LayersModel {
  const tensors = snapshot.weights.map((weight) => tf.tensor(weight.values, weight.shape));
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}
