// Latent codes of validation images for the latent map, with the statistics
// that pages use for slider ranges and random vectors.

import * as tf from '@tensorflow/tfjs';

import { codeStatistics } from '../../shared/latent/code-statistics';
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
