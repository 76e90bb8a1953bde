// Messages between the training worker, which leads data-parallel training,
// and its follower threads. Bulk data travels through shared memory instead:
// the training images once, the weights before every step and each
// follower's gradients after it.

import type { LossKind } from '../../../shared/training';
import type { DenseActivation } from '../step';

/** One dense layer as a follower rebuilds it. */
export interface DenseLayerShape {
  /** Rows of the kernel: the values the layer receives per image. */
  inputs: number;
  /** Columns of the kernel and length of the bias. */
  units: number;
  activation: DenseActivation;
}

/** Data a follower receives at start, through `workerData`. SharedArrayBuffers in it are shared, not copied. */
export interface FollowerInit {
  /** The TensorFlow.js backend the training worker trains on. */
  backend: 'wasm' | 'cpu';
  layers: DenseLayerShape[];
  loss: LossKind;
  /** The training split's images, 784 bytes each, as in `ImageSplit.images`. */
  images: SharedArrayBuffer;
  /** Float32 weights of the current step in the layout of `flatLayout`; the training worker writes them before each step. */
  weights: SharedArrayBuffer;
  /** Float32 gradients of this follower's share, in the layout of `weights`; the follower writes them before it replies. */
  gradients: SharedArrayBuffer;
}

/** The share of one training step that a follower computes. */
export interface FollowerCommand {
  type: 'step';
  /** Number of the step, returned in the reply. */
  step: number;
  /** Rows of the training split in this share. */
  indices: Uint32Array;
  /** The share's noisy input pixels when denoising, row by row; null trains on the clean images. */
  noisyInput: Float32Array | null;
  /**
   * The share's rows divided by the batch's rows. The follower scales its
   * mean loss by it, so that the gradients of all shares add up to those of
   * the whole batch.
   */
  weight: number;
}

export type FollowerReply =
  | { type: 'ready' }
  /** The share's scaled loss; its gradients are in the shared buffer. `numTensors` is the follower's tensor count after the step. */
  | { type: 'gradients'; step: number; loss: number; numTensors: number };
