// The latent explorer and the gallery with a convolutional decoder and a VAE
// encoder, in real Chromium against a real host: nothing in the page or the
// gallery may assume dense layers. A screenshot goes to test-results/explorer/.

import { mkdir } from 'node:fs/promises';

import * as tf from '@tensorflow/tfjs';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { modelFromSnapshot } from '../../shared/model/layers-model';
import { quantiseSnapshot } from '../../shared/protocol/frames';
import type { ModelSnapshot } from '../../shared/training';
import { launchChromium } from '../helpers/browser';
import { maxAbsDifference } from '../helpers/dense-forward';
import { latent, ViewerClient } from '../helpers/gallery';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { convDecoder, snapshotOf, vaeEncoder } from '../helpers/models';

/** Largest difference allowed between the page's forward pass and the host's, in pixel or latent units. */
const TOLERANCE = 1e-4;

const SCREENSHOT_DIR = 'test-results/explorer';

/** Step of the injected snapshots, far beyond the small run's last step. */
const STEP = 100_000;

let host: TestHost;
let browser: Browser;
let page: Page;
let explorer: Locator;
let encoder: ModelSnapshot;
let decoder: ModelSnapshot;

beforeAll(async () => {
  host = await startTestHost(SMALL_RUN);
  await waitFor('the run to finish', () => host.history.status(0).state === 'finished', 120_000);

  // The snapshots a conv VAE run would send, as if the training worker had sent them.
  encoder = snapshotOf(vaeEncoder(tf, 8), STEP);
  decoder = snapshotOf(convDecoder(tf, 8), STEP);
  host.runs.current.emit('event', { type: 'weights', encoder, decoder });

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(host.url);
  explorer = page.getByTestId('explorer');
  await waitFor('a decode with the conv decoder', async () => Number(await explorer.getAttribute('data-step')) === STEP);
});

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

async function currentVector(): Promise<number[]> {
  return explorer.evaluate((element) => (element as unknown as { vector: number[] }).vector);
}

/** Runs `input` through the quantised snapshot's model on the test process's TensorFlow.js and returns the first output. */
async function reference(snapshot: ModelSnapshot, input: number[], shape: number[]): Promise<Float32Array> {
  const model = await modelFromSnapshot(tf, quantiseSnapshot(snapshot));
  const output = tf.tidy(() => {
    const prediction = model.predict(tf.tensor(input, shape));
    return (Array.isArray(prediction) ? prediction[0] : prediction).dataSync() as Float32Array;
  });
  model.dispose();
  return output;
}

describe('explorer with conv and VAE models', () => {
  it('decodes with the conv decoder', async () => {
    const z = Array.from({ length: 8 }, (_, d) => (d % 4) * 0.5 - 0.4);
    await page.evaluate((detail) => window.dispatchEvent(new CustomEvent('latent-select', { detail })), { z, label: 'conv' });
    await waitFor('the decode of the selected vector', async () => {
      const decoded = await explorer.evaluate((element) => (element as unknown as { lastDecode: { vector: number[] } | null }).lastDecode?.vector);
      return decoded !== undefined && decoded.every((value, d) => value === z[d]);
    });

    const pixels = await explorer.evaluate((element) => Array.from((element as unknown as { lastDecode: { pixels: Float32Array } }).lastDecode.pixels));
    expect(pixels).toHaveLength(784);
    expect(maxAbsDifference(pixels, await reference(decoder, z, [1, 8]))).toBeLessThan(TOLERANCE);
    expect(await page.getByTestId('latent-slider').count()).toBe(8);

    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.evaluate(() => document.querySelector('lc-viewer-app')?.shadowRoot?.querySelector('.explorer')?.scrollIntoView());
    await page.screenshot({ path: `${SCREENSHOT_DIR}/explorer-conv-vae.png` });
  });

  it('encodes a probe with the VAE mean', async () => {
    const picker = page.getByTestId('draw-probe');
    await picker.selectOption('2');
    await waitFor('the encoding of the probe', async () => ((await page.getByTestId('explorer-source').textContent()) ?? '').includes('probe 3'));
    const pixels = await explorer.locator('lc-draw-pad').evaluate((element) => Array.from((element as unknown as { pixels: Float32Array }).pixels));

    const mean = await reference(encoder, pixels, [1, 28, 28, 1]);
    await waitFor('the vector of the probe', async () => maxAbsDifference(await currentVector(), mean) < TOLERANCE);
  });

  it('stores the gallery image the page decodes', async () => {
    const z = latent(8, 5);
    const client = await new ViewerClient(host).visit();
    const response = await client.submit(z, 'conv decoder');
    expect(response.status).toBe(201);
    const item = (await response.json()) as { id: number; step: number };
    expect(item.step).toBe(STEP);

    const expected = await reference(decoder, z, [1, 8]);
    const { data } = await sharp(host.gallery.store.png(item.id)!).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    // A stored byte is the pixel rounded to 1/255, so the reference value lies within half a level of it.
    expect(maxAbsDifference(Array.from(expected, (value) => value * 255), data)).toBeLessThan(0.5 + 255 * TOLERANCE);
  });

  it('serves the conv VAE as one autoencoder', async () => {
    const loaded = await tf.loadLayersModel(new URL('api/model/autoencoder/model.json', host.url).href);
    expect(loaded.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(loaded.outputs[0].shape).toEqual([null, 28, 28, 1]);
    loaded.dispose();
  });
});
