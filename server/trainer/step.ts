// The training step of the dense models, written out instead of `model.fit`.
// Fused dense kernels (matrix multiply, bias and activation in one op) run
// where the backend has them. Cross-entropy works on the output logits,
// which stays accurate where the sigmoid saturates.

import * as tf from '@tensorflow/tfjs';

import type { LossKind } from '../../shared/training';
import type { Autoencoder } from './model';
import type { TrainingStep } from './training-step';

export type DenseActivation = 'relu' | 'sigmoid' | 'linear';

/** The weights of one dense layer and the activation that follows it. */
export interface DenseWeights {
  kernel: tf.Tensor;
  bias: tf.Tensor;
  activation: DenseActivation;
}

/** A dense layer whose weights are the model's trainable variables. */
export interface DenseParams extends DenseWeights {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** The autoencoder flattened into its dense layers, input to output. */
export interface DenseStack {
  layers: DenseParams[];
  variables: tf.Variable[];
}

/** The training step of a model made of dense layers only. */
export class FusedDenseStep implements TrainingStep {
  readonly termCount = 1;
  readonly variables: tf.Variable[];
  private readonly stack: DenseStack;
  private readonly encoderLayers: number;

  constructor(
    model: Autoencoder,
    private readonly loss: LossKind,
  ) {
    this.stack = denseStack(model);
    this.variables = this.stack.variables;
    this.encoderLayers = model.encoder.layers.length;
  }

  train(optimizer: tf.Optimizer, input: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor1D {
    const cost = optimizer.minimize(() => denseLoss(this.stack.layers, this.loss, input, target), true, this.variables);
    const terms = (cost as tf.Scalar).reshape([1]) as tf.Tensor1D;
    cost?.dispose();
    return terms;
  }

  evaluate(input: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => denseLoss(this.stack.layers, this.loss, input, target).reshape([1]));
  }

  reconstruct(input: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(forwardLogits(this.stack.layers, input)));
  }

  encode(input: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => forwardLayers(this.stack.layers, this.encoderLayers, input));
  }
}

/** Collects the dense layers of the encoder, then of the decoder. */
export function denseStack(model: Autoencoder): DenseStack {
  const layers = [...model.encoder.layers, ...model.decoder.layers].map(toDenseParams);
  return { layers, variables: layers.flatMap((layer) => [layer.kernel, layer.bias]) };
}

/**
 * Returns the mean per-pixel loss of the dense `layers` on the batch that maps
 * `input` to `target`. Every thread that trains a share of a batch computes
 * its loss here, so that all of them run the same kernels.
 */
export function denseLoss(layers: readonly DenseWeights[], loss: LossKind, input: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return reconstructionLoss(loss, target, forwardLogits(layers, input));
}

/**
 * Runs the network on `x` and returns the output layer's logits: the sigmoid
 * is left to the caller, because cross-entropy is stable only on logits.
 */
function forwardLogits(layers: readonly DenseWeights[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  layers.forEach((layer, index) => {
    const last = index === layers.length - 1;
    h = denseForward(layer, h, last ? 'linear' : layer.activation);
  });
  return h;
}

/** Runs `x` through the first `count` layers, each with its own activation: the encoder, when `count` is its layer count. */
function forwardLayers(layers: readonly DenseWeights[], count: number, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (const layer of layers.slice(0, count)) h = denseForward(layer, h, layer.activation);
  return h;
}

/** Mean per-pixel loss between the `target` images and the logits of their reconstructions. */
function reconstructionLoss(kind: LossKind, target: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  if (kind === 'bce') return tf.losses.sigmoidCrossEntropy(target, logits) as tf.Scalar;
  return tf.losses.meanSquaredError(target, tf.sigmoid(logits)) as tf.Scalar;
}

function denseForward(layer: DenseWeights, h: tf.Tensor2D, activation: DenseActivation): tf.Tensor2D {
  // The fused kernel's gradient covers only linear and ReLU activations.
  if (activation !== 'sigmoid') {
    return tf.fused.matMul({ a: h, b: layer.kernel as tf.Tensor2D, bias: layer.bias, activation }) as tf.Tensor2D;
  }
  return tf.sigmoid(tf.fused.matMul({ a: h, b: layer.kernel as tf.Tensor2D, bias: layer.bias })) as tf.Tensor2D;
}

function toDenseParams(layer: tf.layers.Layer): DenseParams {
  const config = layer.getConfig();
  const [kernel, bias] = layer.trainableWeights;
  if (layer.getClassName() !== 'Dense' || !kernel || !bias) {
    throw new Error(`layer ${layer.name} (${layer.getClassName()}) is not a dense layer with a bias`);
  }

  const activation = String(config.activation ?? 'linear');
  if (activation !== 'relu' && activation !== 'sigmoid' && activation !== 'linear') {
    throw new Error(`layer ${layer.name} uses activation "${activation}"; the trainer supports relu, sigmoid and linear`);
  }
  return { kernel: kernel.read() as tf.Variable, bias: bias.read() as tf.Variable, activation };
}
