// Turns dataset images into batches for the backend: scaled to [0, 1], in
// shuffled order, and with Gaussian noise for a denoising autoencoder.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../shared/training';
import type { ImageSplit } from './datasets/types';
import type { Random } from './random';

/** Images per forward pass outside training: validation, latent codes and the preflight's evaluation. */
export const EVALUATION_BATCH = 250;

/** Copies the images at `indices` into a float batch scaled to [0, 1]. */
export function batchTensor(split: Pick<ImageSplit, 'images'>, indices: Uint32Array): tf.Tensor2D {
  return tf.tensor2d(batchValues(split, indices), [indices.length, IMAGE_PIXELS]);
}

/** Like `batchTensor`, with N(0, stddev²) noise added to every pixel and the result clipped to [0, 1]. */
export function noisyBatchTensor(split: ImageSplit, indices: Uint32Array, stddev: number, random: Random): tf.Tensor2D {
  return tf.tensor2d(noisyBatchValues(split, indices, stddev, random), [indices.length, IMAGE_PIXELS]);
}

/** Returns the pixels of `batchTensor`, row by row, without making a tensor. */
export function batchValues(split: Pick<ImageSplit, 'images'>, indices: Uint32Array): Float32Array {
  const values = new Float32Array(indices.length * IMAGE_PIXELS);
  indices.forEach((imageIndex, row) => {
    const offset = imageIndex * IMAGE_PIXELS;
    for (let p = 0; p < IMAGE_PIXELS; p++) values[row * IMAGE_PIXELS + p] = split.images[offset + p] / 255;
  });
  return values;
}

/** Returns the pixels of `noisyBatchTensor`, row by row, without making a tensor. */
export function noisyBatchValues(split: ImageSplit, indices: Uint32Array, stddev: number, random: Random): Float32Array {
  const values = new Float32Array(indices.length * IMAGE_PIXELS);
  indices.forEach((imageIndex, row) => {
    const offset = imageIndex * IMAGE_PIXELS;
    for (let p = 0; p < IMAGE_PIXELS; p++) {
      values[row * IMAGE_PIXELS + p] = clipUnit(split.images[offset + p] / 255 + stddev * random.normal());
    }
  });
  return values;
}

/**
 * Returns a copy of the split with the same noise as `noisyBatchTensor`,
 * rounded to bytes. Made once per run, it gives validation the same noisy
 * inputs at every epoch, so that validation losses stay comparable.
 */
export function noisySplit(split: ImageSplit, stddev: number, random: Random): ImageSplit {
  const images = new Uint8Array(split.images.length);
  for (let i = 0; i < images.length; i++) {
    images[i] = Math.round(clipUnit(split.images[i] / 255 + stddev * random.normal()) * 255);
  }
  return { images, labels: split.labels, count: split.count };
}

/** Copies the images at `indices` into one byte array, 784 bytes per image. */
export function gatherImages(split: ImageSplit, indices: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(indices.length * IMAGE_PIXELS);
  indices.forEach((imageIndex, row) => {
    bytes.set(split.images.subarray(imageIndex * IMAGE_PIXELS, (imageIndex + 1) * IMAGE_PIXELS), row * IMAGE_PIXELS);
  });
  return bytes;
}

export function shuffledIndices(count: number, random: Random): Uint32Array {
  const order = rangeIndices(0, count);
  random.shuffle(order);
  return order;
}

export function rangeIndices(start: number, end: number): Uint32Array {
  const indices = new Uint32Array(end - start);
  for (let i = 0; i < indices.length; i++) indices[i] = start + i;
  return indices;
}

function clipUnit(value: number): number {
  return Math.min(1, Math.max(0, value));
}
