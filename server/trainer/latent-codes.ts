// Latent codes of validation images for the latent map, with the statistics
// that pages use for slider ranges and random vectors.

import * as tf from '@tensorflow/tfjs';

import type { LatentMap } from '../../shared/training';
import { batchTensor, EVALUATION_BATCH, rangeIndices } from './batches';
import type { ImageSplit } from './datasets/types';
import type { TrainingStep } from './training-step';

/** Encodes the first `count` images of the split, in batches, and returns their codes with per-dimension statistics. */
export function latentMap(step: TrainingStep, split: ImageSplit, count: number, dims: number, epoch: number, trainingStep: number): LatentMap {
  const codes = new Float32Array(count * dims);
  for (let start = 0; start < count; start += EVALUATION_BATCH) {
    const indices = rangeIndices(start, Math.min(start + EVALUATION_BATCH, count));
    const batch = tf.tidy(() => step.encode(batchTensor(split, indices)));
    codes.set(batch.dataSync(), start * dims);
    batch.dispose();
  }
  return { epoch, step: trainingStep, ...codeStatistics(codes, count, dims), labels: split.labels.slice(0, count) };
}

/** Returns the codes with the minimum, maximum, mean and standard deviation of each dimension. */
function codeStatistics(codes: Float32Array, count: number, dims: number) {
  const min = new Float32Array(dims).fill(Infinity);
  const max = new Float32Array(dims).fill(-Infinity);
  const sum = new Float64Array(dims);
  const sumOfSquares = new Float64Array(dims);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dims; d++) {
      const value = codes[i * dims + d];
      min[d] = Math.min(min[d], value);
      max[d] = Math.max(max[d], value);
      sum[d] += value;
      sumOfSquares[d] += value * value;
    }
  }
  const mean = Float32Array.from(sum, (total) => total / count);
  const std = Float32Array.from(sumOfSquares, (total, d) => Math.sqrt(Math.max(0, total / count - mean[d] * mean[d])));
  return { dims, count, codes, min, max, mean, std };
}
