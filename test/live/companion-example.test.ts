// The companion end to end: the tutorial-style example script runs as its
// own Node process, and a viewer on loopback watches it train and decodes
// with the decoder the script handed over.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as tf from '@tensorflow/tfjs';

import { modelFromSnapshot } from '../../shared/model/layers-model';
import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import type { Host } from '../../server/host';
import { hostCall, ViewerClient } from '../helpers/gallery';
import { TestViewer, waitFor } from '../helpers/host';

const EXAMPLE = fileURLToPath(new URL('../../examples/squares-and-circles.mjs', import.meta.url));

let folder: string;
let script: ChildProcess;
let output = '';
let url: string;
let viewer: TestViewer;

beforeAll(async () => {
  // The example keeps its state folder, ./var, in its working directory.
  folder = await mkdtemp(join(tmpdir(), 'latentcast-companion-'));
  // Enough epochs that the fit still trains when the panel pauses it; the last test stops the script.
  script = spawn(process.execPath, [EXAMPLE], { cwd: folder, env: { ...process.env, PORT: '0', EPOCHS: '1000' }, stdio: ['ignore', 'pipe', 'pipe'] });
  script.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  script.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  await waitFor('the example to print its address', () => /viewers open http:\/\/127\.0\.0\.1:\d+\//.test(output) || script.exitCode !== null, 60_000);
  const match = /viewers open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
  if (!match) throw new Error(`the example exited before it listened:\n${output}`);
  url = match[1];

  viewer = new TestViewer({ url } as Host);
  await viewer.open();
}, 90_000);

afterAll(async () => {
  viewer?.close();
  if (script && script.exitCode === null) script.kill('SIGKILL');
  await rm(folder, { recursive: true, force: true });
});

async function hostToken(): Promise<string> {
  return (await readFile(join(folder, 'var', 'host-token'), 'utf8')).trim();
}

async function status(): Promise<{ state: string; step: number }> {
  return (await fetch(new URL('/api/status', url))).json();
}

function framesOf<T extends FrameType>(type: T): Extract<Frame, { type: T }>[] {
  return viewer.frames.filter((frame): frame is Extract<Frame, { type: T }> => frame.type === type);
}

describe('companion example script', () => {
  it('tells viewers the run of the script', async () => {
    await waitFor('the Hello frame', () => framesOf(FrameType.Hello).length > 0);
    const hello = framesOf(FrameType.Hello)[0];
    expect(hello.body.config.modelFile).toBe('squares-and-circles.mjs');
    await waitFor('the fit to start', async () => {
      const status = await (await fetch(new URL('/api/status', url))).json();
      return status.layerSizes !== null;
    });
    const status = await (await fetch(new URL('/api/status', url))).json();
    expect(status.layerSizes).toEqual([784, 64, 2, 64, 784]);
    expect(status.dataset.labelNames).toEqual(['square', 'circle']);
    expect(status.runReason).toBe('model.fit called');
    expect(status.earlierRuns).toEqual([]);
    expect(status.latent).toBe(2);
  });

  it('streams step losses to the viewer', async () => {
    await waitFor('step losses', () => framesOf(FrameType.StepLosses).some((frame) => frame.body.length > 0), 60_000);
    const losses = framesOf(FrameType.StepLosses).flatMap((frame) => frame.body);
    expect(losses.every((point) => Number.isFinite(point.loss) && point.loss > 0)).toBe(true);
  });

  it('hands the viewer a decoder that decodes a latent vector', async () => {
    await waitFor('decoder weights', () => framesOf(FrameType.DecoderWeights).length > 0, 60_000);
    const snapshot = framesOf(FrameType.DecoderWeights).at(-1)!.body;
    expect(snapshot.weights.map((weight) => weight.shape)).toEqual([[2, 64], [64], [64, 784], [784]]);

    await tf.setBackend('cpu');
    const decoder = await modelFromSnapshot(tf, snapshot);
    const latentVector = tf.tensor2d([[0.5, -0.5]]);
    const image = decoder.predict(latentVector) as tf.Tensor;
    const pixels = Array.from(await image.data());
    tf.dispose([latentVector, image]);
    decoder.dispose();
    expect(pixels).toHaveLength(784);
    expect(Math.max(...pixels)).toBeGreaterThan(Math.min(...pixels));
  });

  it('decodes a gallery submission with the script decoder', async () => {
    const client = await new ViewerClient({ url }).visit();
    const response = await client.submit([0.5, -0.5], 'from the script');
    expect(response.status).toBe(201);
    const item = await response.json();
    expect(item.z).toEqual([0.5, -0.5]);
  });

  it('sends an epoch and the reconstructions of its probes', async () => {
    await waitFor('the first epoch', () => framesOf(FrameType.Epochs).length > 0, 120_000);
    const reconstructions = framesOf(FrameType.Reconstructions).at(-1)!.body;
    expect(reconstructions.count).toBe(8);
  }, 150_000);

  it('pauses the fit from the host panel', async () => {
    const token = await hostToken();
    const paused = await hostCall({ url }, '/api/host/run/pause', token, { method: 'POST' });
    expect(paused.status).toBe(200);
    const stepWhenPaused = (await status()).step;
    expect((await status()).state).toBe('paused');

    // Each read takes a turn of the script's event loop, in which a fit that is not held trains batches.
    const steps: number[] = [];
    for (let read = 0; read < 10; read++) steps.push((await status()).step);
    expect(steps).toEqual(new Array(10).fill(stepWhenPaused));

    const resumed = await hostCall({ url }, '/api/host/run/resume', token, { method: 'POST' });
    expect(resumed.status).toBe(200);
    await waitFor('steps after the resume', async () => (await status()).step > stepWhenPaused, 60_000);
  }, 90_000);

  it('rejects a reset from the host panel', async () => {
    const token = await hostToken();
    const response = await hostCall({ url }, '/api/host/run/reset', token, { method: 'POST' });
    expect(response.status).toBe(422);
    expect((await response.json()).error).toBe('the training script trains this model; change it in the script and run model.fit again.');
  });

  it('stops on SIGINT with exit code 0', async () => {
    const exit = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
    script.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});
