// The decoder's forward pass in plain TypeScript: dense layers with ReLU,
// sigmoid or linear activations. The host decodes gallery submissions with it,
// and a page can decode with the same code and the same int8-quantised
// weights, so both produce the same pixels for the same latent vector.

import { IMAGE_PIXELS } from '../training';
import type { NetworkWeights } from '../training';

/**
 * Runs `count` latent vectors, stored row-major in `latents`, through the
 * dense layers of `network` and returns `count` rows of the last layer's
 * outputs. Throws RangeError when `latents` does not hold `count` vectors of
 * the first layer's input size.
 */
export function decodeLatents(network: NetworkWeights, latents: Float32Array, count: number): Float32Array {
  const inputSize = network.layers[0]?.inputs ?? 0;
  if (latents.length !== count * inputSize) {
    throw new RangeError(`${count} latent vectors of ${inputSize} values need ${count * inputSize} numbers, got ${latents.length}`);
  }

  let activations = latents;
  for (const layer of network.layers) {
    activations = denseForward(layer, activations, count);
  }
  return activations;
}

/**
 * Decodes `count` latent vectors into 28×28 images of one byte per pixel
 * (0 black, 255 white), the same rounding the trainer uses for reconstructions.
 */
export function decodeToPixels(network: NetworkWeights, latents: Float32Array, count: number): Uint8Array {
  const outputs = decodeLatents(network, latents, count);
  if (outputs.length !== count * IMAGE_PIXELS) {
    throw new RangeError(`the decoder outputs ${outputs.length / Math.max(count, 1)} values per vector; an image needs ${IMAGE_PIXELS}`);
  }

  const pixels = new Uint8Array(outputs.length);
  for (let i = 0; i < outputs.length; i++) {
    pixels[i] = Math.round(Math.min(1, Math.max(0, outputs[i])) * 255);
  }
  return pixels;
}

/** Applies one dense layer to a batch: `activation(input · kernel + bias)`, with the kernel row-major [inputs, units]. */
function denseForward(layer: NetworkWeights['layers'][number], input: Float32Array, count: number): Float32Array {
  const { inputs, units, kernel, bias, activation } = layer;
  const output = new Float32Array(count * units);

  for (let row = 0; row < count; row++) {
    const outOffset = row * units;
    output.set(bias, outOffset);

    // Looping over the inputs on the outside walks the kernel row by row,
    // which keeps the inner loop on consecutive memory.
    const inOffset = row * inputs;
    for (let i = 0; i < inputs; i++) {
      const value = input[inOffset + i];
      if (value === 0) continue;
      const kernelOffset = i * units;
      for (let u = 0; u < units; u++) output[outOffset + u] += value * kernel[kernelOffset + u];
    }

    applyActivation(output, outOffset, units, activation);
  }
  return output;
}

function applyActivation(values: Float32Array, offset: number, length: number, activation: 'relu' | 'sigmoid' | 'linear'): void {
  const end = offset + length;
  if (activation === 'relu') {
    for (let i = offset; i < end; i++) if (values[i] < 0) values[i] = 0;
  } else if (activation === 'sigmoid') {
    for (let i = offset; i < end; i++) values[i] = 1 / (1 + Math.exp(-values[i]));
  }
}
