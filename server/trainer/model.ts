// The autoencoders the host trains: an encoder and a decoder, each a
// tf.layers model, so that they can be checkpointed, exported and rebuilt in
// the browser. Every model takes flat [batch, 784] images and returns them.

import type * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../shared/training';
import type { RunConfig } from '../../shared/training';
import { loadModelFile } from './model-file';
import { buildConvAutoencoder } from './models/conv';
import { buildDenseAutoencoder } from './models/dense';
import type { EncoderDecoder } from './models/layers';
import { buildVariationalAutoencoder } from './models/vae';

/** A built autoencoder and the sizes of its layers, input to output. */
export interface Autoencoder {
  /** 784 pixels in; the latent vector out, or [mean, log-variance] when `variational`. */
  encoder: tf.LayersModel;
  /** Latent vector in, 784 pixels in [0, 1] out. */
  decoder: tf.LayersModel;
  /** True when the encoder outputs the mean and log-variance of a Gaussian over the latent space, as a VAE's does. */
  variational: boolean;
  /** Values each layer outputs, from the input to the output, for example [784, 8, 784]. */
  layerSizes: number[];
}

/** Raised for a model whose input or output shapes do not fit the trainer; the message names the layer and the fix. */
export class ModelShapeError extends Error {
  override name = 'ModelShapeError';
}

export type ModelConfig = Pick<RunConfig, 'model' | 'hidden' | 'latent' | 'seed'> & Partial<Pick<RunConfig, 'modelFile'>>;

/**
 * Builds the model that the config selects and checks its shapes:
 * - `dense`: 784-L-784 with a ReLU latent and a sigmoid output;
 * - `deep`: the hidden sizes before the latent, mirrored after it;
 * - `conv`: convolutions with max pooling, a dense latent, then convolutions with upsampling (models/conv.ts);
 * - `vae`: a variational autoencoder with the hidden sizes of `deep` (models/vae.ts);
 * - `file`: the streamer's model file.
 */
export async function buildAutoencoder(config: ModelConfig): Promise<Autoencoder> {
  const pair = await buildPair(config);
  try {
    return describeAutoencoder(pair, config.latent);
  } catch (error) {
    pair.encoder.dispose();
    pair.decoder.dispose();
    throw error;
  }
}

/** Releases every weight of the model. */
export function disposeAutoencoder(model: Autoencoder): void {
  model.encoder.dispose();
  model.decoder.dispose();
}

/**
 * Checks that the pair maps [batch, 784] to [batch, latent] and back, and
 * describes it. An encoder with two outputs of the latent size is taken as
 * variational: [mean, log-variance], in that order.
 */
export function describeAutoencoder(pair: EncoderDecoder, latent: number): Autoencoder {
  const { encoder, decoder } = pair;
  expectShape(encoder.inputs, [IMAGE_PIXELS], 'encoder input', 'take flat images of 784 pixels (reshape inside the model)');
  if (encoder.outputs.length > 2) {
    throw new ModelShapeError(
      `the encoder has ${encoder.outputs.length} outputs; give it one (the latent vector) or two ([mean, log-variance] of a variational autoencoder).`,
    );
  }
  encoder.outputs.forEach((output, index) => {
    const label = encoder.outputs.length === 1 ? 'encoder output' : `encoder output ${index} (${index === 0 ? 'mean' : 'log-variance'})`;
    expectShape([output], [latent], label, `end in ${latent} units, the latent size (--latent ${latent})`);
  });
  expectShape(decoder.inputs, [latent], 'decoder input', `take the latent vector of ${latent} values (--latent ${latent})`);
  expectShape(decoder.outputs, [IMAGE_PIXELS], 'decoder output', 'end in 784 units, one per pixel (flatten the last feature map)');

  const variational = encoder.outputs.length === 2;
  return { encoder, decoder, variational, layerSizes: [IMAGE_PIXELS, ...layerOutputSizes(encoder), ...layerOutputSizes(decoder)] };
}

async function buildPair(config: ModelConfig): Promise<EncoderDecoder> {
  switch (config.model) {
    case 'dense':
      return buildDenseAutoencoder([], config.latent, config.seed);
    case 'deep':
      return buildDenseAutoencoder(config.hidden, config.latent, config.seed);
    case 'conv':
      return buildConvAutoencoder(config.latent, config.seed);
    case 'vae':
      return buildVariationalAutoencoder(config.hidden, config.latent, config.seed);
    case 'file':
      return loadModelFile(config);
  }
}

/** Checks that `tensors` is one tensor of shape [batch, ...expected]. */
function expectShape(tensors: tf.SymbolicTensor[], expected: number[], label: string, fix: string): void {
  const shape = tensors.length === 1 ? tensors[0].shape : null;
  const matches = shape !== null && shape.length === expected.length + 1 && expected.every((size, i) => shape[i + 1] === size);
  if (matches) return;

  const found = tensors.length === 1 ? `shape ${formatShape(tensors[0].shape)}` : `${tensors.length} tensors`;
  throw new ModelShapeError(`the ${label} has ${found}, but the trainer needs ${formatShape([null, ...expected])}; make the model ${fix}.`);
}

/**
 * Returns the number of values each layer outputs per image, skipping layers
 * without weights that only reshape (such as Reshape, Flatten and the input
 * layer), and the log-variance head of a variational encoder.
 */
function layerOutputSizes(model: tf.LayersModel): number[] {
  const logVarianceLayer = model.outputs.length === 2 ? model.outputLayers[1] : null;
  const sizes: number[] = [];
  for (const layer of model.layers) {
    if (layer === logVarianceLayer) continue;

    const size = valuesPerImage(layer.outputShape as tf.Shape);
    const input = layer.input;
    const inputSize = valuesPerImage((Array.isArray(input) ? input[0] : input).shape);
    if (layer.weights.length === 0 && size === inputSize) continue;
    sizes.push(size);
  }
  return sizes;
}

function valuesPerImage(shape: tf.Shape): number {
  return shape.slice(1).reduce<number>((product, size) => product * (size ?? 1), 1);
}

function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((size) => (size === null ? 'batch' : size)).join(', ')}]`;
}
