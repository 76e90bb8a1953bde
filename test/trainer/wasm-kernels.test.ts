import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../server/trainer/backend';
import { registerWasmKernelShims, WASM_KERNEL_SHIMS } from '../../server/trainer/wasm-kernels';

beforeAll(async () => {
  await selectBackend('wasm');
});

type Shape4 = [number, number, number, number];
type Case = [input: Shape4, filter: Shape4, strides: number | [number, number], pad: 'same' | 'valid'];

/** Returns the gradient of a squared convolution with respect to its filter, on the named backend. */
async function filterGradient(backend: 'wasm' | 'cpu', [inputShape, filterShape, strides, pad]: Case): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.randomNormal(inputShape, 0, 1, 'float32', 1) as tf.Tensor4D;
  const filter = tf.randomNormal(filterShape, 0, 1, 'float32', 2) as tf.Tensor4D;
  const gradient = tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, strides, pad).square().sum())(filter);
  const values = gradient.dataSync() as Float32Array;
  tf.dispose([x, filter, gradient]);
  return values;
}

/** Returns the gradient of a squared convolution with respect to its input, on the named backend. */
async function inputGradient(backend: 'wasm' | 'cpu', [inputShape, filterShape, strides, pad]: Case): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.randomNormal(inputShape, 0, 1, 'float32', 3) as tf.Tensor4D;
  const filter = tf.randomNormal(filterShape, 0, 1, 'float32', 4) as tf.Tensor4D;
  const gradient = tf.grad((input: tf.Tensor) => tf.conv2d(input as tf.Tensor4D, filter, strides, pad).square().sum())(x);
  const values = gradient.dataSync() as Float32Array;
  tf.dispose([x, filter, gradient]);
  return values;
}

/** Returns the largest difference between the two gradients, relative to the largest reference value. */
function relativeDifference(values: Float32Array, reference: Float32Array): number {
  const scale = Math.max(...reference.map(Math.abs));
  return Math.max(...values.map((value, i) => Math.abs(value - reference[i]))) / scale;
}

const CASES: Case[] = [
  [[4, 28, 28, 1], [3, 3, 1, 16], 1, 'same'],
  [[3, 14, 14, 16], [3, 3, 16, 8], 1, 'same'],
  [[2, 16, 16, 8], [3, 3, 8, 16], 1, 'valid'],
  [[2, 15, 13, 3], [3, 3, 3, 5], 2, 'same'],
  [[2, 15, 13, 3], [4, 2, 3, 5], [2, 3], 'valid'],
  [[1, 7, 7, 2], [2, 2, 2, 3], 2, 'same'],
];

describe('WASM convolution gradients', () => {
  it.each<Case>(CASES)('filter gradient matches CPU: %j %j %j %s', async (...testCase) => {
    const reference = await filterGradient('cpu', testCase);
    const before = tf.memory().numTensors;
    const shimmed = await filterGradient('wasm', testCase);

    expect(shimmed).toHaveLength(reference.length);
    expect(relativeDifference(shimmed, reference)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each<Case>(CASES)('input gradient matches CPU: %j %j %j %s', async (...testCase) => {
    const reference = await inputGradient('cpu', testCase);
    const before = tf.memory().numTensors;
    const shimmed = await inputGradient('wasm', testCase);

    expect(shimmed).toHaveLength(reference.length);
    expect(relativeDifference(shimmed, reference)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees intermediate WASM buffers', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
    const before = backend.dataIdMap.numDataIds();
    for (let i = 0; i < 3; i++) {
      await filterGradient('wasm', [[2, 10, 10, 3], [3, 3, 3, 4], 1, 'same']);
      await inputGradient('wasm', [[2, 10, 10, 3], [3, 3, 3, 4], 1, 'valid']);
    }
    expect(backend.dataIdMap.numDataIds()).toBe(before);
  });

  it('keeps a kernel that exists', () => {
    const shim = WASM_KERNEL_SHIMS[0];
    const native = { kernelName: shim.kernelName, backendName: 'wasm', kernelFunc: shim.kernelFunc };
    tf.unregisterKernel(shim.kernelName, 'wasm');
    tf.registerKernel(native);
    try {
      registerWasmKernelShims();
      expect(tf.getKernel(shim.kernelName, 'wasm')).toBe(native);
    } finally {
      tf.unregisterKernel(shim.kernelName, 'wasm');
      tf.registerKernel(shim);
    }
  });
});
