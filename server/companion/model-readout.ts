// Reads what viewers see off the streamer's own models: reconstructions of
// the probe images, latent codes for the latent map, and layer sizes. The
// models and tensors belong to the streamer's TensorFlow.js, so this file
// calls only their methods (predict, data, dispose) and never runs an op of
// its own on them.

import type * as tf from '@tensorflow/tfjs';

import { codeStatistics } from '../../shared/latent/code-statistics';
import { IMAGE_PIXELS } from '../../shared/training';
import type { LatentMap } from '../../shared/training';

/** A model that maps a batch to one output tensor. */
export type Predictor = Pick<tf.LayersModel, 'predict'>;

/** Runs `model` on `inputs` and returns the output's values, releasing the output. */
export async function predictValues(model: Predictor, inputs: tf.Tensor): Promise<Float32Array> {
  const output = model.predict(inputs);
  const tensor = Array.isArray(output) ? output[0] : output;
  try {
    return Float32Array.from(await tensor.data());
  } finally {
    (Array.isArray(output) ? output : [output]).forEach((item) => item.dispose());
  }
}

/** Builds the latent map of `count` codes of `dims` values with the statistics pages use for slider ranges. */
export function latentMapOf(codes: Float32Array, count: number, dims: number, labels: Uint8Array, epoch: number, step: number): LatentMap {
  return { epoch, step, labels, ...codeStatistics(codes, count, dims) };
}

/** Returns the number of values each layer outputs, from the 784 input pixels to the output, leaving out layers that keep the size. */
export function layerSizesOf(models: tf.LayersModel[]): number[] {
  const sizes = [IMAGE_PIXELS];
  for (const layer of models.flatMap(flatLayers)) {
    const shape = layer.outputShape as (number | null)[];
    const size = shape.slice(1).reduce<number>((product, dimension) => product * (dimension ?? 1), 1);
    if (size !== sizes.at(-1)) sizes.push(size);
  }
  return sizes;
}

/** Returns the layers of a model with nested models replaced by their own layers. */
function flatLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) => ('layers' in layer && Array.isArray(layer.layers) ? flatLayers(layer as unknown as tf.LayersModel) : [layer]));
}
