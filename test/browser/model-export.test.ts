// The exported decoder in headless Chromium, loaded by a sketch page on
// another origin with tf.loadLayersModel, as a p5.js or ml5 sketch would.

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SnapshotDecoder } from '../../server/gallery/snapshot-decoder';
import { mainThreadTensorFlow } from '../../server/tensorflow/main-thread';
import { launchChromium } from '../helpers/browser';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

/** Largest difference allowed between Chromium's float32 forward pass and the host's, in pixel units (pixels are in [0, 1]). */
const TOLERANCE = 1e-5;

const SKETCH_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>sketch</title><script src="/tf.min.js"></script></head>
  <body><p>A sketch on another origin.</p></body>
</html>`;

let host: TestHost;
let sketchServer: Server;
let sketchUrl: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  host = await startTestHost(SMALL_RUN);
  await waitFor('the run to finish', () => host.history.status(0).state === 'finished', 120_000);
  ({ server: sketchServer, url: sketchUrl } = await startSketchServer());
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(sketchUrl);
  // The CPU backend computes in float32 like the host's WASM backend; WebGL may use half floats.
  await page.evaluate(() => (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf.setBackend('cpu'));
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => sketchServer?.close(resolve));
  await host?.dispose();
});

describe('exported decoder in Chromium', () => {
  it('decodes a latent vector like the gallery decoder', async () => {
    const z = [0.4, 1.2, 0, 2.5, 0.1, 0.9, 0, 1.7];
    const decoded = await page.evaluate(
      async ({ url, vector }) => {
        const tf = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
        const model = await tf.loadLayersModel(url);
        const output = model.predict(tf.tensor2d([vector])) as import('@tensorflow/tfjs').Tensor;
        const pixels = Array.from(await output.data());
        return { pixels, shape: output.shape, step: (model.getUserDefinedMetadata() as { latentcast: { step: number } }).latentcast.step };
      },
      { url: new URL('api/model/decoder/model.json', host.url).href, vector: z },
    );

    // The gallery's decoder, run on the same full-precision snapshot that the export serves.
    const snapshot = host.history.decoderWeights!;
    expect(decoded.step).toBe(snapshot.step);
    expect(decoded.shape).toEqual([1, 784]);
    const gallery = new SnapshotDecoder(async () => (await mainThreadTensorFlow(pino({ level: 'silent' }))).tf);
    const stored = await gallery.decode(snapshot, Float32Array.from(z), 1);
    gallery.dispose();

    // A stored byte is the pixel rounded to 1/255, so Chromium's value lies within half a level of it.
    const largest = Math.max(...decoded.pixels.map((value, i) => Math.abs(value * 255 - stored[i])));
    expect(largest).toBeLessThan(0.5 + 255 * TOLERANCE);
    expect(Math.max(...stored) - Math.min(...stored)).toBeGreaterThan(50);
  });

  it('loads the autoencoder from another origin', async () => {
    const shapes = await page.evaluate(async (url) => {
      const tf = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
      const model = await tf.loadLayersModel(url);
      const output = model.predict(tf.zeros([2, 784])) as import('@tensorflow/tfjs').Tensor;
      return { origin: window.location.origin, input: model.inputs[0].shape, output: output.shape };
    }, new URL('api/model/autoencoder/model.json', host.url).href);

    expect(shapes.origin).not.toBe(new URL(host.url).origin);
    expect(shapes.input).toEqual([null, 784]);
    expect(shapes.output).toEqual([2, 784]);
  });
});

/** Serves the sketch page and TensorFlow.js's browser bundle on a second loopback port, a different origin from the host. */
async function startSketchServer(): Promise<{ server: Server; url: string }> {
  const bundle = await readFile(createRequire(import.meta.url).resolve('@tensorflow/tfjs/dist/tf.min.js'));
  const server = createServer((request, response) => {
    if (request.url === '/tf.min.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      response.writeHead(200, { 'content-type': 'text/html' }).end(SKETCH_PAGE);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}
