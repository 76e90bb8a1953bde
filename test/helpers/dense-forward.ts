// A plain float64 forward pass through the Dense layers of a snapshot: the
// reference that the page's and the host's TensorFlow.js decodes are compared with.

import type { ModelSnapshot } from '../../shared/training';

interface DenseLayerJson {
  class_name: string;
  config: { activation?: string };
}

/** Runs `input` through every Dense layer of a Sequential snapshot (x·W + b, then the layer's activation). */
export function denseForward(snapshot: ModelSnapshot, input: ArrayLike<number>): Float64Array {
  const layers = (snapshot.topology.config as { layers: DenseLayerJson[] }).layers;
  let h = Float64Array.from(input);
  layers.forEach((layer, index) => {
    if (layer.class_name !== 'Dense') throw new RangeError(`layer ${index + 1} is a ${layer.class_name}; this reference runs Dense layers only`);
    const kernel = snapshot.weights[2 * index];
    const bias = snapshot.weights[2 * index + 1];
    const [inputs, units] = kernel.shape;
    if (h.length !== inputs) throw new RangeError(`layer ${index + 1} takes ${inputs} inputs, got ${h.length}`);

    const out = new Float64Array(units);
    for (let j = 0; j < units; j++) {
      let sum = bias.values[j];
      for (let i = 0; i < inputs; i++) sum += h[i] * kernel.values[i * units + j];
      const activation = layer.config.activation ?? 'linear';
      out[j] = activation === 'relu' ? Math.max(0, sum) : activation === 'sigmoid' ? 1 / (1 + Math.exp(-sum)) : sum;
    }
    h = out;
  });
  return h;
}

/** Returns the largest absolute difference between two equally long arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`arrays of ${a.length} and ${b.length} values`);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}
