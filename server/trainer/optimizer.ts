// The optimizers of `--optimizer`, and live changes of their learning rate.

import * as tf from '@tensorflow/tfjs';

import type { OptimizerKind } from '../../shared/training';
import { KerasAdadelta } from './adadelta';

/** Creates the optimizer for `--optimizer` at `--lr`, with the `--epsilon` fuzz factor for Adam and Adadelta. */
export function createOptimizer(kind: OptimizerKind, learningRate: number, epsilon: number): tf.Optimizer {
  checkLearningRate(learningRate);
  // 0.95 and 0.9, 0.999 are TensorFlow.js's and Keras's defaults for rho and for Adam's betas.
  if (kind === 'adadelta') return new KerasAdadelta(learningRate, 0.95, epsilon);
  if (kind === 'sgd') return tf.train.sgd(learningRate);
  return tf.train.adam(learningRate, 0.9, 0.999, epsilon);
}

/**
 * Sets the learning rate that the next `applyGradients` uses. Adam and
 * Adadelta read their `learningRate` field at every step (TensorFlow.js
 * 4.22); SGD caches it as a tensor, which its own `setLearningRate` replaces.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  checkLearningRate(learningRate);
  // By class name, because TensorFlow.js makes `instanceof` on optimizers true for any optimizer.
  const kind = optimizer.getClassName();
  if (kind === 'SGD') {
    (optimizer as tf.SGDOptimizer).setLearningRate(learningRate);
    return;
  }
  if (kind !== 'Adam' && kind !== 'Adadelta') {
    throw new Error(`changing the learning rate of ${kind} is not supported; use adam, adadelta or sgd.`);
  }
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/** Returns the learning rate the optimizer uses now. */
export function learningRateOf(optimizer: tf.Optimizer): number {
  return (optimizer.getConfig() as { learningRate: number }).learningRate;
}

/** Throws a RangeError for a learning rate that is not a finite number above 0. */
export function checkLearningRate(learningRate: number): void {
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new RangeError(`learning rate ${learningRate} is invalid; use a finite number above 0, such as 0.001.`);
  }
}
