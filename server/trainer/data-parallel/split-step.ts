// Data-parallel training of the dense models. The training worker leads: it
// splits each batch into equal shares, one per thread, and hands every share
// but its own to a follower thread. All threads compute the loss and the
// gradients of their share with the same weights at the same time. Each
// share's loss is scaled by its part of the batch, so the gradients of the
// shares add up to those of the whole batch. The leader sums them and
// applies them with its optimizer: one step over several threads computes
// what one thread computes, up to float rounding.
//
// The leader keeps the model, the optimizer, checkpoints and everything else
// the loop does. When a follower fails, the step in flight runs again on the
// leader alone, and so does every later step.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../../shared/training';
import type { LossKind } from '../../../shared/training';
import { batchTensor } from '../batches';
import type { ImageSplit } from '../datasets/types';
import type { Autoencoder } from '../model';
import { denseLoss, denseStack } from '../step';
import type { DenseStack } from '../step';
import { flatLayout, sharedFloats, writeFlat } from './flat-weights';
import type { FlatLayout } from './flat-weights';
import { FollowerPool } from './follower-pool';
import type { FollowerShare, ShareResult } from './follower-pool';
import type { DenseLayerShape } from './messages';

/**
 * Time the followers get to finish a step after the leader finished its own
 * share. The shares are equal, so a working follower needs far less. A
 * follower that takes longer is taken as hung, and training goes on without it.
 */
const FOLLOWER_STEP_TIMEOUT_MS = 60_000;

export interface SplitStepOptions {
  model: Autoencoder;
  loss: LossKind;
  /** The training split; the followers read its images from one shared copy. */
  train: ImageSplit;
  /** Threads per step, the leader included: 2 or more. */
  threads: number;
  backend: 'wasm' | 'cpu';
  /** Called once when a follower fails and training continues on the leader alone. */
  onFallback: (reason: string) => void;
  /** The module each follower runs; tests pass one that fails on purpose. */
  followerEntry?: URL;
  /** Milliseconds the followers get to finish a step after the leader's share; FOLLOWER_STEP_TIMEOUT_MS by default. */
  stepTimeoutMs?: number;
}

/** The summed loss and gradients of one batch, in the order of the stack's variables. */
export interface BatchGradients {
  loss: tf.Scalar;
  grads: tf.Tensor[];
}

export class SplitDenseStep {
  private readonly stack: DenseStack;
  private readonly layout: FlatLayout;
  private readonly weights: Float32Array;
  private stepCount = 0;

  private constructor(
    private readonly options: SplitStepOptions,
    private readonly pool: FollowerPool,
    stack: DenseStack,
    layout: FlatLayout,
    weights: SharedArrayBuffer,
  ) {
    this.stack = stack;
    this.layout = layout;
    this.weights = new Float32Array(weights);
    pool.onFailure((reason) => options.onFallback(`${reason}; training continues on one thread`));
  }

  /**
   * Starts `threads - 1` followers on a shared copy of the training images.
   * Rejects when they do not start; no follower is left running then.
   */
  static async start(options: SplitStepOptions): Promise<SplitDenseStep> {
    if (!(Number.isInteger(options.threads) && options.threads >= 2)) {
      throw new RangeError(`a split step needs 2 or more threads, not ${options.threads}`);
    }
    const stack = denseStack(options.model);
    const layers: DenseLayerShape[] = stack.layers.map((layer) => {
      const [inputs, units] = layer.kernel.shape as [number, number];
      return { inputs, units, activation: layer.activation };
    });
    const layout = flatLayout(layers);
    const weights = sharedFloats(layout);
    const init = { backend: options.backend, layers, loss: options.loss, images: sharedImages(options.train), weights };

    const pool = await FollowerPool.start(options.threads - 1, init, weights.byteLength, options.followerEntry);
    return new SplitDenseStep(options, pool, stack, layout, weights);
  }

  /** False once a follower failed or the followers were closed: every later step trains on the leader alone. */
  get active(): boolean {
    return this.pool.running;
  }

  /** Threads that share each step now, the leader included. */
  get threads(): number {
    return this.active ? this.pool.size + 1 : 1;
  }

  /**
   * Runs one optimizer step on the training images at `indices`, split across
   * the threads, and returns its loss terms, still on the backend.
   * `noisyInput` contains the batch's noisy pixels when denoising, row by row.
   */
  async train(optimizer: tf.Optimizer, indices: Uint32Array, noisyInput: Float32Array | null): Promise<tf.Tensor1D> {
    const { loss, grads } = await this.gradients(indices, noisyInput);
    optimizer.applyGradients(this.stack.variables.map((variable, i) => ({ name: variable.name, tensor: grads[i] })));
    tf.dispose(grads);
    const terms = loss.reshape([1]) as tf.Tensor1D;
    loss.dispose();
    return terms;
  }

  /** Computes the batch's mean loss and its gradients without changing a weight; `train` applies them. */
  async gradients(indices: Uint32Array, noisyInput: Float32Array | null): Promise<BatchGradients> {
    if (!this.active) return this.ownGradients(indices, noisyInput, 1);

    const step = ++this.stepCount;
    const rowsPerShare = Math.ceil(indices.length / this.threads);
    const ownRows = Math.min(rowsPerShare, indices.length);
    writeFlat(this.stack.variables, this.layout, this.weights);
    const replies = this.pool.run(step, this.followerShares(indices, noisyInput, rowsPerShare));
    // A follower may fail while the leader computes; the rejection is handled after the leader's share.
    replies.catch(() => {});

    const own = this.ownGradients(indices.subarray(0, ownRows), noisyInput?.subarray(0, ownRows * IMAGE_PIXELS) ?? null, ownRows / indices.length);
    const timeoutMs = this.options.stepTimeoutMs ?? FOLLOWER_STEP_TIMEOUT_MS;
    let results: (ShareResult | null)[];
    try {
      results = await withTimeout(replies, timeoutMs, `the follower threads did not finish step ${step} within ${timeoutMs} ms after the training worker finished its share`);
    } catch (error) {
      tf.dispose([own.loss, ...own.grads]);
      // A failed follower has failed the pool already; a timeout fails it here, which ends the followers.
      this.pool.fail((error as Error).message);
      await this.pool.close();
      return this.ownGradients(indices, noisyInput, 1);
    }
    return this.addFollowerResults(own, results);
  }

  /** Returns each follower's tensor count after its latest step. */
  followerTensorCounts(): number[] {
    return this.pool.tensorCounts();
  }

  /** Ends the followers. The model belongs to the caller. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Splits the rows after the leader's share into one share per follower; a follower without rows gets null. */
  private followerShares(indices: Uint32Array, noisyInput: Float32Array | null, rowsPerShare: number): (FollowerShare | null)[] {
    return Array.from({ length: this.pool.size }, (_, i) => {
      const start = Math.min((i + 1) * rowsPerShare, indices.length);
      const end = Math.min(start + rowsPerShare, indices.length);
      if (end === start) return null;
      return {
        // Copies, because postMessage clones the whole buffer behind a view.
        indices: indices.slice(start, end),
        noisyInput: noisyInput?.slice(start * IMAGE_PIXELS, end * IMAGE_PIXELS) ?? null,
        weight: (end - start) / indices.length,
      };
    });
  }

  /** Computes the loss of the rows at `indices`, scaled by `weight`, and its gradients on this thread. */
  private ownGradients(indices: Uint32Array, noisyInput: Float32Array | null, weight: number): BatchGradients {
    const target = batchTensor(this.options.train, indices);
    const input = noisyInput ? tf.tensor2d(noisyInput, [indices.length, IMAGE_PIXELS]) : target;
    try {
      const { value, grads } = tf.variableGrads(() => denseLoss(this.stack.layers, this.options.loss, input, target).mul(weight) as tf.Scalar, this.stack.variables);
      return { loss: value, grads: this.stack.variables.map((variable) => grads[variable.name]) };
    } finally {
      tf.dispose([input, target]);
    }
  }

  /** Adds the followers' losses and gradients to the leader's, releasing the leader's. */
  private addFollowerResults(own: BatchGradients, results: (ShareResult | null)[]): BatchGradients {
    const shares = results.filter((result): result is ShareResult => result !== null);
    if (shares.length === 0) return own;

    const summed = tf.tidy(() => {
      const grads = own.grads.map((grad, i) => {
        const start = this.layout.offsets[i];
        const end = start + grad.size;
        return shares.reduce((sum, share) => sum.add(tf.tensor(share.gradients.slice(start, end), grad.shape)), grad);
      });
      const loss = shares.reduce((sum, share) => sum.add(share.loss), own.loss as tf.Tensor) as tf.Scalar;
      return { loss, grads };
    });
    tf.dispose([own.loss, ...own.grads]);
    return summed;
  }
}

/** Copies the split's images into shared memory, which every follower reads without a copy of its own. */
function sharedImages(split: ImageSplit): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(split.count * IMAGE_PIXELS);
  new Uint8Array(shared).set(split.images.subarray(0, split.count * IMAGE_PIXELS));
  return shared;
}

/** Resolves like `promise`, or rejects with `message` after `ms` milliseconds. */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
