// The export routes under /api/model/ on a real host, loaded with
// tf.loadLayersModel through TensorFlow.js's own HTTP handler.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { modelFromSnapshot } from '../../shared/model/layers-model';
import { maxAbsDifference } from '../helpers/dense-forward';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost(SMALL_RUN);
  await waitFor('the run to finish', () => host.history.status(0).state === 'finished', 120_000);
});

afterAll(async () => {
  await host?.dispose();
});

const modelUrl = (part: string) => new URL(`api/model/${part}/model.json`, host.url).href;

function predict(model: tf.LayersModel, input: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
}

describe('model export routes', () => {
  it('serves a decoder that tf.loadLayersModel loads over HTTP', async () => {
    const loaded = await tf.loadLayersModel(modelUrl('decoder'));
    const reference = await modelFromSnapshot(tf, host.history.decoderWeights!);
    const z = tf.tensor2d([[0.5, 1, 0, 2, 0.1, 0, 1.5, 0.3]]);

    expect(loaded.inputs[0].shape).toEqual([null, 8]);
    expect(maxAbsDifference(predict(loaded, z), predict(reference, z))).toBe(0);
    z.dispose();
    [loaded, reference].forEach((model) => model.dispose());
  });

  it('serves full-precision weights of the latest snapshot', async () => {
    const loaded = await tf.loadLayersModel(modelUrl('encoder'));
    const snapshot = host.history.encoderWeights!;
    loaded.getWeights().forEach((tensor, i) => expect(Array.from(tensor.dataSync())).toEqual(Array.from(snapshot.weights[i].values)));
    expect(loaded.getUserDefinedMetadata()).toEqual({ latentcast: { part: 'encoder', step: snapshot.step } });
    loaded.dispose();
  });

  it('serves the autoencoder as image in, image out', async () => {
    const loaded = await tf.loadLayersModel(modelUrl('autoencoder'));
    const encoder = await modelFromSnapshot(tf, host.history.encoderWeights!);
    const decoder = await modelFromSnapshot(tf, host.history.decoderWeights!);
    const images = tf.randomUniform([2, 784], 0, 1, 'float32', 3);

    expect(loaded.outputs[0].shape).toEqual([null, 784]);
    const expected = tf.tidy(() => predict(decoder, encoder.predict(images) as tf.Tensor));
    expect(maxAbsDifference(predict(loaded, images), expected)).toBeLessThan(1e-6);
    images.dispose();
    [loaded, encoder, decoder].forEach((model) => model.dispose());
  });

  it('sends content types, CORS and caching headers', async () => {
    const response = await fetch(modelUrl('decoder'), { headers: { origin: 'https://sketch.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('set-cookie')).toBeNull();

    const modelJson = (await response.json()) as tf.io.ModelJSON;
    const [weightsFile] = modelJson.weightsManifest[0].paths;
    expect(weightsFile).toMatch(/^weights-[0-9a-f]{16}\.bin$/);
    const weights = await fetch(new URL(`api/model/decoder/${weightsFile}`, host.url));
    expect(weights.status).toBe(200);
    expect(weights.headers.get('content-type')).toBe('application/octet-stream');
    expect(weights.headers.get('access-control-allow-origin')).toBe('*');
    expect(weights.headers.get('cache-control')).toContain('immutable');
    const floats = modelJson.weightsManifest[0].weights.reduce((sum, spec) => sum + spec.shape.reduce((product, size) => product * size, 1), 0);
    expect((await weights.arrayBuffer()).byteLength).toBe(4 * floats);
  });

  it('answers a CORS preflight', async () => {
    const response = await fetch(modelUrl('decoder'), {
      method: 'OPTIONS',
      headers: { origin: 'https://sketch.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-sketch' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('answers 404 for an unknown part or weights file', async () => {
    const part = await fetch(new URL('api/model/generator/model.json', host.url));
    expect(part.status).toBe(404);
    expect(((await part.json()) as { error: string }).error).toMatch(/no model part "generator"; use one of encoder, decoder, autoencoder/);

    const file = await fetch(new URL('api/model/decoder/weights-0000000000000000.bin', host.url));
    expect(file.status).toBe(404);
    expect(file.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await file.json()) as { error: string }).error).toMatch(/load \/api\/model\/decoder\/model.json again/);
  });

  it('answers 503 with JSON before the first snapshot', async () => {
    const target = await startTestHost(SMALL_RUN);
    try {
      // A paused worker may still send the snapshots of the steps it finishes, so it is stopped.
      await target.runs.current.stop();
      target.history.encoderWeights = null;
      target.history.decoderWeights = null;
      for (const part of ['encoder', 'decoder', 'autoencoder']) {
        const response = await fetch(new URL(`api/model/${part}/model.json`, target.url));
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(((await response.json()) as { error: string }).error).toContain(`the host has no ${part} weights yet`);
      }
    } finally {
      await target.dispose();
    }
  });
});
