// Decides whether a run splits its batches across threads, and starts the
// followers when it does. Only the fused dense step splits, on the WASM and
// CPU backends, which TensorFlow.js 4.22 runs on one thread in Node.

import * as tf from '@tensorflow/tfjs';

import type { RunConfig } from '../../../shared/training';
import type { WorkerEvent } from '../../../shared/worker-messages';
import type { ImageSplit } from '../datasets/types';
import type { Autoencoder } from '../model';
import { FusedDenseStep } from '../step';
import type { TrainingStep } from '../training-step';
import { SplitDenseStep } from './split-step';

export interface DataParallelOptions {
  /** Threads that `--train-threads` requests, the training worker included. */
  requested: number;
  config: Pick<RunConfig, 'model' | 'loss'>;
  model: Autoencoder;
  trainingStep: TrainingStep;
  train: ImageSplit;
  emit: (event: WorkerEvent) => void;
}

/**
 * Starts the followers of a split step and returns it, or returns null when
 * the run trains on one thread. Each outcome of a request for more than one
 * thread is sent as a `threads` event with its reason.
 */
export async function startDataParallel(options: DataParallelOptions): Promise<SplitDenseStep | null> {
  const { requested, config, emit } = options;
  if (requested <= 1) return null;

  const threads = (count: number, reason: string) => emit({ type: 'threads', count, requested, reason });
  if (!(options.trainingStep instanceof FusedDenseStep)) {
    threads(1, `--model ${config.model} trains on one thread; only the dense and deep models split their batches across threads`);
    return null;
  }
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    threads(1, `the ${backend} backend runs its kernels on threads of its own, so training uses one training thread`);
    return null;
  }

  try {
    const split = await SplitDenseStep.start({
      model: options.model,
      loss: config.loss,
      train: options.train,
      threads: requested,
      backend,
      onFallback: (reason) => threads(1, reason),
    });
    threads(requested, `each batch is split into ${requested} shares that train at the same time on the ${backend} backend`);
    return split;
  } catch (error) {
    threads(1, `the follower threads failed to start (${(error as Error).message}), so training runs on one thread`);
    return null;
  }
}
