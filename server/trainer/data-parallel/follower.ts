// A follower thread of data-parallel training. For each step it computes the
// loss and gradients of its share of the batch with the weights that the
// training worker shared, writes the gradients into shared memory and
// replies. It keeps no tensor between steps.

import { parentPort, workerData } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../../shared/training';
import { selectBackend } from '../backend';
import { batchTensor } from '../batches';
import { denseLoss } from '../step';
import type { DenseWeights } from '../step';
import { flatLayout, readFlat, writeFlat } from './flat-weights';
import type { FollowerCommand, FollowerInit, FollowerReply } from './messages';

if (!parentPort) throw new Error('follower.ts runs only as a worker thread that the training worker starts');
const port = parentPort;

const init = workerData as FollowerInit;
await selectBackend(init.backend);

const images = { images: new Uint8Array(init.images) };
const layout = flatLayout(init.layers);
const weights = new Float32Array(init.weights);
const gradients = new Float32Array(init.gradients);

// An error in a step is not caught: the thread ends, and the training worker goes on alone.
port.on('message', (command: FollowerCommand) => port.postMessage(trainShare(command)));
port.postMessage({ type: 'ready' } satisfies FollowerReply);

/** Computes the share's scaled loss and writes its gradients into the shared buffer. */
function trainShare(command: FollowerCommand): FollowerReply {
  const loss = tf.tidy(() => {
    const target = batchTensor(images, command.indices);
    const input = command.noisyInput ? tf.tensor2d(command.noisyInput, [command.indices.length, IMAGE_PIXELS]) : target;
    const scaledLoss = (...values: tf.Tensor[]) => denseLoss(denseLayers(values), init.loss, input, target).mul(command.weight) as tf.Scalar;

    const { value, grads } = tf.valueAndGrads(scaledLoss)(readFlat(weights, layout));
    writeFlat(grads, layout, gradients);
    return value.dataSync()[0];
  });
  return { type: 'gradients', step: command.step, loss, numTensors: tf.memory().numTensors };
}

/** Pairs the flat list of kernels and biases with the layers' activations. */
function denseLayers(values: tf.Tensor[]): DenseWeights[] {
  return init.layers.map((layer, i) => ({ kernel: values[2 * i], bias: values[2 * i + 1], activation: layer.activation }));
}
