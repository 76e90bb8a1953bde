import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../server/trainer/backend';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('autoencoder models', () => {
  it('builds dense as 784-L-784', () => {
    const model = buildAutoencoder({ model: 'dense', hidden: [256], latent: 32, seed: 1 });
    expect(model.layerSizes).toEqual([784, 32, 784]);
    expect(model.encoder.outputs[0].shape).toEqual([null, 32]);
    expect(model.decoder.outputs[0].shape).toEqual([null, 784]);
    disposeAutoencoder(model);
  });

  it('builds deep with the hidden sizes mirrored around the latent', () => {
    const model = buildAutoencoder({ model: 'deep', hidden: [256, 128, 64], latent: 8, seed: 1 });
    expect(model.layerSizes).toEqual([784, 256, 128, 64, 8, 64, 128, 256, 784]);
    expect(model.encoder.layers).toHaveLength(4);
    expect(model.decoder.layers).toHaveLength(4);
    disposeAutoencoder(model);
  });

  it('decodes a latent vector to 784 pixels in [0, 1]', () => {
    const model = buildAutoencoder({ model: 'dense', hidden: [], latent: 4, seed: 1 });
    const image = tf.tidy(() => model.decoder.predict(tf.randomNormal([1, 4])) as tf.Tensor);
    const pixels = image.dataSync();
    expect(pixels).toHaveLength(784);
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    image.dispose();
    disposeAutoencoder(model);
  });
});
