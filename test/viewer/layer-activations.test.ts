// The network diagram's activations, computed with TensorFlow.js's CPU
// backend in Node, against a forward pass written out by hand.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ActivationProbe } from '../../client/src/viewer/layer-activations';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import type { Autoencoder } from '../../server/trainer/model';
import { modelSnapshot } from '../../server/trainer/snapshot';
import { IMAGE_PIXELS } from '../../shared/training';
import type { ModelSnapshot } from '../../shared/training';
import { convDecoder, snapshotOf as disposedSnapshotOf, vaeEncoder } from '../helpers/models';

/** Largest difference allowed between TensorFlow.js's float32 pass and the float64 reference. */
const TOLERANCE = 1e-4;

const snapshotOf = modelSnapshot;

/** Returns each dense layer's output for `input`, computed in float64 from the snapshot's weights. */
function denseOutputs(snapshot: ModelSnapshot, input: ArrayLike<number>, activations: string[]): Float64Array[] {
  const outputs: Float64Array[] = [];
  let values = Float64Array.from(input);
  for (let layer = 0; layer < snapshot.weights.length / 2; layer++) {
    const kernel = snapshot.weights[2 * layer];
    const bias = snapshot.weights[2 * layer + 1].values;
    const [inputs, units] = kernel.shape;
    const next = new Float64Array(units);
    for (let u = 0; u < units; u++) {
      let sum = bias[u];
      for (let i = 0; i < inputs; i++) sum += values[i] * kernel.values[i * units + u];
      next[u] = activations[layer] === 'relu' ? Math.max(0, sum) : activations[layer] === 'sigmoid' ? 1 / (1 + Math.exp(-sum)) : sum;
    }
    outputs.push(next);
    values = next;
  }
  return outputs;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

let deep: Autoencoder;
let dense: Autoencoder;
const image = Uint8Array.from({ length: IMAGE_PIXELS }, (_, i) => (i * 37) % 256);

beforeAll(async () => {
  await tf.setBackend('cpu');
  deep = await buildAutoencoder({ model: 'deep', hidden: [32, 16], latent: 4, seed: 3 });
  dense = await buildAutoencoder({ model: 'dense', hidden: [], latent: 6, seed: 5 });
});

afterAll(() => {
  disposeAutoencoder(deep);
  disposeAutoencoder(dense);
});

describe('ActivationProbe', () => {
  it('returns one array per layer from input to output', async () => {
    const probe = new ActivationProbe(tf);
    await probe.load(snapshotOf(deep.encoder, 7), snapshotOf(deep.decoder, 7));
    const result = await probe.activations(image);
    probe.dispose();

    expect(result.layers.map((layer) => layer.length)).toEqual(deep.layerSizes);
    expect(result.step).toBe(7);
  });

  it('matches a dense forward pass', async () => {
    const encoder = snapshotOf(deep.encoder, 0);
    const decoder = snapshotOf(deep.decoder, 0);
    const probe = new ActivationProbe(tf);
    await probe.load(encoder, decoder);
    const result = await probe.activations(image);
    probe.dispose();

    const pixels = Array.from(image, (value) => value / 255);
    const encoded = denseOutputs(encoder, pixels, ['relu', 'relu', 'relu']);
    const decoded = denseOutputs(decoder, encoded.at(-1)!, ['relu', 'relu', 'sigmoid']);
    [pixels, ...encoded, ...decoded].forEach((expected, layer) => {
      expect(maxDifference(result.layers[layer], expected)).toBeLessThan(TOLERANCE);
    });
  });

  it('keeps the tensor count flat across loads', async () => {
    const probe = new ActivationProbe(tf);
    await probe.load(snapshotOf(deep.encoder, 0), snapshotOf(deep.decoder, 0));
    await probe.activations(image);
    const before = tf.memory().numTensors;

    for (let step = 1; step <= 5; step++) {
      await probe.load(snapshotOf(deep.encoder, step), snapshotOf(deep.decoder, step));
      await probe.activations(image);
    }
    expect(tf.memory().numTensors).toBe(before);
    probe.dispose();
  });

  it('releases the old models when the topology changes', async () => {
    const baseline = tf.memory().numTensors;
    const probe = new ActivationProbe(tf);
    await probe.load(snapshotOf(dense.encoder, 0), snapshotOf(dense.decoder, 0));
    const denseCount = tf.memory().numTensors - baseline;

    await probe.load(snapshotOf(deep.encoder, 1), snapshotOf(deep.decoder, 1));
    await probe.load(snapshotOf(dense.encoder, 2), snapshotOf(dense.decoder, 2));
    expect(tf.memory().numTensors - baseline).toBe(denseCount);

    probe.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('averages feature maps per channel and finds a VAE latent', async () => {
    const probe = new ActivationProbe(tf);
    await probe.load(disposedSnapshotOf(vaeEncoder(tf, 3), 0), disposedSnapshotOf(convDecoder(tf, 3), 0));
    const result = await probe.activations(image);
    probe.dispose();

    // Input, conv (4 channels), mean, log-variance, dense 7×7×4, transposed conv (4 channels), output image.
    expect(result.layers.map((layer) => layer.length)).toEqual([784, 4, 3, 3, 196, 4, 784]);
    expect(result.latentIndex).toBe(2);
  });

  it('shows the conv feature-map code as the latent', async () => {
    const conv = await buildAutoencoder({ model: 'conv', hidden: [], latent: 128, seed: 2 });
    const probe = new ActivationProbe(tf);
    await probe.load(snapshotOf(conv.encoder, 0), snapshotOf(conv.decoder, 0));
    const result = await probe.activations(image);
    probe.dispose();
    disposeAutoencoder(conv);

    // Input, conv1 to conv3 (channel means), the 128-value code, conv4 to conv6 (channel means), the output image.
    expect(result.layers.map((layer) => layer.length)).toEqual([784, 16, 8, 8, 128, 8, 8, 16, 784]);
    expect(result.latentIndex).toBe(4);
  });

  it('shows an activation after the last dense layer as the latent', async () => {
    const encoder = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [784], units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }), tf.layers.activation({ activation: 'tanh' })],
    });
    const decoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 784, activation: 'sigmoid' })] });
    const code = tf.tidy(() => (encoder.predict(tf.tensor(Array.from(image, (value) => value / 255), [1, 784])) as tf.Tensor).dataSync());
    const probe = new ActivationProbe(tf);
    await probe.load(disposedSnapshotOf(encoder, 0), disposedSnapshotOf(decoder, 0));
    const result = await probe.activations(image);
    probe.dispose();

    expect(result.layers.map((layer) => layer.length)).toEqual([784, 8, 784]);
    expect(result.latentIndex).toBe(1);
    expect(maxDifference(result.layers[1], code)).toBeLessThan(TOLERANCE);
  });

  it('rejects an image of the wrong size', async () => {
    const probe = new ActivationProbe(tf);
    await probe.load(snapshotOf(dense.encoder, 0), snapshotOf(dense.decoder, 0));
    await expect(probe.activations(new Uint8Array(10))).rejects.toThrow(/10 pixels; expected 784/);
    probe.dispose();
  });
});
