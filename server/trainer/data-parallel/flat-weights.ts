// The dense stack's weights in one flat float32 buffer, which the training
// worker and its followers share: each layer's kernel, then its bias,
// row-major. Gradients use the same layout.

import * as tf from '@tensorflow/tfjs';

import type { DenseLayerShape } from './messages';

/** Offsets and shapes of the tensors in a flat buffer. */
export interface FlatLayout {
  shapes: number[][];
  /** Index of each tensor's first value. */
  offsets: number[];
  /** Values in the whole buffer. */
  size: number;
}

/** Lays out each layer's kernel [inputs, units] and bias [units], in layer order. */
export function flatLayout(layers: readonly DenseLayerShape[]): FlatLayout {
  const shapes = layers.flatMap((layer) => [[layer.inputs, layer.units], [layer.units]]);
  const offsets: number[] = [];
  let size = 0;
  for (const shape of shapes) {
    offsets.push(size);
    size += shape.reduce((product, dimension) => product * dimension, 1);
  }
  return { shapes, offsets, size };
}

/** Creates a shared float32 buffer with room for the layout's values. */
export function sharedFloats(layout: FlatLayout): SharedArrayBuffer {
  return new SharedArrayBuffer(layout.size * Float32Array.BYTES_PER_ELEMENT);
}

/**
 * Copies the values of `tensors` into `target` at the layout's offsets.
 * It reads each tensor synchronously, which on the WASM and CPU backends is
 * a copy from their memory.
 */
export function writeFlat(tensors: readonly tf.Tensor[], layout: FlatLayout, target: Float32Array): void {
  tensors.forEach((tensor, i) => target.set(tensor.dataSync() as Float32Array, layout.offsets[i]));
}

/**
 * Creates one tensor per entry of the layout from `source`. The values are
 * copied first, because the CPU backend keeps the array it receives, and the
 * shared buffer changes at the next step.
 */
export function readFlat(source: Float32Array, layout: FlatLayout): tf.Tensor[] {
  return layout.shapes.map((shape, i) => {
    const start = layout.offsets[i];
    const end = start + shape.reduce((product, dimension) => product * dimension, 1);
    return tf.tensor(source.slice(start, end), shape, 'float32');
  });
}
