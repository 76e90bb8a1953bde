// A run configuration for tests that start a training worker and stop it
// themselves: small generated shapes, small batches and an epoch count that
// no test reaches, so the run trains until the test stops it.

import type { RunConfig } from '../../shared/training';

const LONG_WORKER_RUN: RunConfig = {
  dataset: 'shapes',
  shapesCount: 400,
  model: 'dense',
  hidden: [],
  latent: 8,
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 0.001,
  epsilon: 1e-7,
  batchSize: 16,
  epochs: 1000,
  validationSplit: 0.1,
  seed: 1,
  backend: 'wasm',
  denoise: 0,
  modelFile: null,
};

/** Returns the long worker run with `changes` applied. */
export function longWorkerRun(changes: Partial<RunConfig> = {}): RunConfig {
  return { ...LONG_WORKER_RUN, ...changes };
}
