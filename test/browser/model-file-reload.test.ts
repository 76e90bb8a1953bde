// The streamer saves the model file while a viewer page and the OBS overlay
// are open: the page shows the new run and the new architecture without a
// reload, and the overlay drops the old run's loss curve.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../helpers/browser';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { overlayState, overlaySteps } from '../helpers/overlay';

/** Returns the source of a dense model file with `hidden` units on each side of the latent. */
function modelSource(hidden: number): string {
  return `export default function model(tf, config) {
  const encoder = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [784], units: ${hidden}, activation: 'relu' }),
    tf.layers.dense({ units: config.latent }),
  ] });
  const decoder = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [config.latent], units: ${hidden}, activation: 'relu' }),
    tf.layers.dense({ units: 784, activation: 'sigmoid' }),
  ] });
  return { encoder, decoder };
}
`;
}

let folder: string;
let file: string;
let host: TestHost;
let browser: Browser;
let page: Page;
let overlay: Page;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'latentcast-reload-page-'));
  file = join(folder, 'stream-model.mjs');
  await writeFile(file, modelSource(16));
  host = await startTestHost(['--shapes-count', '400', '--batch-size', '32', '--epochs', '1000', '--recon-every', '5', '--latent', '4', '--model-file', file]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(host.url);
  overlay = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await overlay.goto(`${host.url}overlay?panels=status,loss`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
  await rm(folder, { recursive: true, force: true });
});

async function text(testId: string): Promise<string> {
  return (await page.getByTestId(testId).first().textContent()) ?? '';
}

/** Returns the first number in a test id's text, such as the step in "Step 1,240". */
async function numberIn(testId: string): Promise<number> {
  const match = (await text(testId)).replace(/,/g, '').match(/\d+/);
  return match ? Number(match[0]) : NaN;
}

describe('model file saved while a viewer watches', () => {
  it('shows the first architecture', async () => {
    await waitFor('the first layer sizes', async () => (await text('run-model')) === '784-16-4-16-784');
    // Enough steps that the new run is still behind them when the overlay test pauses it.
    await waitFor('training steps', async () => (await numberIn('status-step')) > 300, 90_000);
  });

  it('switches the page to the new run and architecture', async () => {
    const runBefore = host.history.runId;
    await writeFile(file, modelSource(48));

    await waitFor('the new layer sizes', async () => (await text('run-model')) === '784-48-4-48-784', 90_000);
    expect(await text('new-run-notice')).toContain('New run: model file saved');
    expect(host.history.runId).not.toBe(runBefore);
    await waitFor('the new run to train', async () => (await numberIn('status-step')) > 0);
    // The diagram lights its units with the weights the host broadcasts, so this caption needs the new model's weights.
    await waitFor('the diagram lit by the new weights', async () => (await text('network-caption')) === '784 → 48 → 4 → 48 → 784 · lit by probe image 1', 60_000);
    await page.screenshot({ path: join(tmpdir(), 'latentcast-model-file-reload.png') });
  });

  it('starts the overlay loss curve over', async () => {
    // Pausing fixes the newest step below the old run's last, so any point above it can only be left from the old run.
    host.runs.pause();
    await waitFor('the run to pause', () => host.history.status(0).state === 'paused');
    const newest = host.history.losses.last()?.step ?? 0;
    expect(newest).toBeLessThan(host.history.earlierRuns[0].steps);

    const runId = host.history.runId;
    await waitFor('the overlay at the new run', async () => {
      const state = await overlayState(overlay);
      return state.runId === runId && state.step === newest;
    });
    expect((await overlaySteps(overlay)).filter((step) => step > newest)).toEqual([]);
  });
});
