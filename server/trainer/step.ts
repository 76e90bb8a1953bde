// The training step, written out instead of `model.fit`: the loop can then
// pause between steps and report every step's loss, and fused dense kernels
// (matrix multiply, bias and activation in one op) run where the backend has them.

import * as tf from '@tensorflow/tfjs';

import type { LossKind, OptimizerKind } from '../../shared/training';
import type { Autoencoder } from './model';

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

/** Collects the dense layers of the encoder, then of the decoder. */
export function denseStack(model: Autoencoder): DenseStack {
  const layers = [...model.encoder.layers, ...model.decoder.layers].map(toDenseParams);
  return { layers, variables: layers.flatMap((layer) => [layer.kernel, layer.bias]) };
}

/**
 * Runs the network on `x` and returns the output layer's logits: the sigmoid
 * is left to the caller, because cross-entropy is stable only on logits.
 */
export function forwardLogits(stack: DenseStack, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  stack.layers.forEach((layer, index) => {
    const last = index === stack.layers.length - 1;
    h = denseForward(layer, h, last ? 'linear' : layer.activation);
  });
  return h;
}

/** Runs `x` through the first `count` layers of the stack, each with its own activation: the encoder, when `count` is its layer count. */
export function forwardLayers(stack: DenseStack, count: number, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (const layer of stack.layers.slice(0, count)) h = denseForward(layer, h, layer.activation);
  return h;
}

/** Mean per-pixel loss between the images `x` and the logits of their reconstructions. */
export function reconstructionLoss(kind: LossKind, x: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  if (kind === 'bce') return tf.losses.sigmoidCrossEntropy(x, logits) as tf.Scalar;
  return tf.losses.meanSquaredError(x, tf.sigmoid(logits)) as tf.Scalar;
}

/** Runs one optimizer step on the batch and returns its loss, still on the backend. */
export function trainStep(stack: DenseStack, optimizer: tf.Optimizer, loss: LossKind, x: tf.Tensor2D): tf.Scalar {
  const cost = optimizer.minimize(() => reconstructionLoss(loss, x, forwardLogits(stack, x)), true, stack.variables);
  return cost as tf.Scalar;
}

/** Creates the optimizer for `--optimizer` at `--lr`. */
export function createOptimizer(kind: OptimizerKind, learningRate: number): tf.Optimizer {
  if (kind === 'adadelta') return tf.train.adadelta(learningRate);
  if (kind === 'sgd') return tf.train.sgd(learningRate);
  return tf.train.adam(learningRate);
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
