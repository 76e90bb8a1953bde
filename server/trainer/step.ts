// The training step of the dense models, written out instead of `model.fit`.
// Fused dense kernels (matrix multiply, bias and activation in one op) run
// where the backend has them. Cross-entropy works on the output logits,
// which stays accurate where the sigmoid saturates.

import * as tf from '@tensorflow/tfjs';

import type { LossKind } from '../../shared/training';
import type { Autoencoder } from './model';
import type { TrainingStep } from './training-step';

type DenseActivation = 'relu' | 'sigmoid' | 'linear';

/** The variables of one dense layer and the activation that follows it. */
export interface DenseParams {
  kernel: tf.Variable;
  bias: tf.Variable;
  activation: DenseActivation;
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
    const cost = optimizer.minimize(() => reconstructionLoss(this.loss, target, forwardLogits(this.stack, input)), true, this.variables);
    const terms = (cost as tf.Scalar).reshape([1]) as tf.Tensor1D;
    cost?.dispose();
    return terms;
  }

  evaluate(input: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => reconstructionLoss(this.loss, target, forwardLogits(this.stack, input)).reshape([1]));
  }

  reconstruct(input: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(forwardLogits(this.stack, input)));
  }

  encode(input: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => forwardLayers(this.stack, this.encoderLayers, input));
  }
}

/** Collects the dense layers of the encoder, then of the decoder. */
export function denseStack(model: Autoencoder): DenseStack {
  const layers = [...model.encoder.layers, ...model.decoder.layers].map(toDenseParams);
  return { layers, variables: layers.flatMap((layer) => [layer.kernel, layer.bias]) };
}

/**
 * Runs the network on `x` and returns the output layer's logits: the sigmoid
 * is left to the caller, because cross-entropy is stable only on logits.
 */
function forwardLogits(stack: DenseStack, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  stack.layers.forEach((layer, index) => {
    const last = index === stack.layers.length - 1;
    h = denseForward(layer, h, last ? 'linear' : layer.activation);
  });
  return h;
}

/** Runs `x` through the first `count` layers of the stack, each with its own activation: the encoder, when `count` is its layer count. */
function forwardLayers(stack: DenseStack, count: number, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (const layer of stack.layers.slice(0, count)) h = denseForward(layer, h, layer.activation);
  return h;
}

/** Mean per-pixel loss between the `target` images and the logits of their reconstructions. */
function reconstructionLoss(kind: LossKind, target: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  if (kind === 'bce') return tf.losses.sigmoidCrossEntropy(target, logits) as tf.Scalar;
  return tf.losses.meanSquaredError(target, tf.sigmoid(logits)) as tf.Scalar;
}

function denseForward(layer: DenseParams, h: tf.Tensor2D, activation: DenseActivation): tf.Tensor2D {
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
