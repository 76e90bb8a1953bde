// A plain float64 forward pass through dense layers: the reference that the
// page's TensorFlow.js encode and decode are compared with.

import type { NetworkWeights } from '../../shared/training';

/** Runs `input` through every layer of `weights` (x·W + b, then the layer's activation). */
export function denseForward(weights: NetworkWeights, input: ArrayLike<number>): Float64Array {
  let h = Float64Array.from(input);
  for (const layer of weights.layers) {
    if (h.length !== layer.inputs) throw new RangeError(`layer takes ${layer.inputs} inputs, got ${h.length}`);
    const out = new Float64Array(layer.units);
    for (let j = 0; j < layer.units; j++) {
      let sum = layer.bias[j];
      for (let i = 0; i < layer.inputs; i++) sum += h[i] * layer.kernel[i * layer.units + j];
      out[j] = layer.activation === 'relu' ? Math.max(0, sum) : layer.activation === 'sigmoid' ? 1 / (1 + Math.exp(-sum)) : sum;
    }
    h = out;
  }
  return h;
}

/** Returns the largest absolute difference between two equally long arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`arrays of ${a.length} and ${b.length} values`);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}
