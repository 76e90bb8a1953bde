// Layer helpers shared by the built-in models: seeded initialisers, so that
// the same `--seed` gives the same initial weights.

import * as tf from '@tensorflow/tfjs';

/** An encoder (784 pixels in) and a decoder (latent vector in, 784 pixels out). */
export interface EncoderDecoder {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
}

type Activation = 'relu' | 'sigmoid' | 'linear';

/** Returns a function that yields `seed`, `seed + 1`, ...: one initialiser seed per layer. */
export function seedSequence(seed: number): () => number {
  let next = seed;
  return () => next++;
}

/** Creates a dense layer with a seeded Glorot-uniform kernel. */
export function denseLayer(options: { units: number; activation: Activation; seed: number; inputSize?: number; name?: string }) {
  return tf.layers.dense({
    units: options.units,
    activation: options.activation,
    inputShape: options.inputSize === undefined ? undefined : [options.inputSize],
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
    name: options.name,
  });
}

/** Creates a 3×3 convolution with stride 1 and a seeded Glorot-uniform kernel. */
export function convLayer(options: { filters: number; activation: Activation; seed: number; padding?: 'same' | 'valid'; name?: string }) {
  return tf.layers.conv2d({
    filters: options.filters,
    kernelSize: 3,
    activation: options.activation,
    padding: options.padding ?? 'same',
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
    name: options.name,
  });
}
