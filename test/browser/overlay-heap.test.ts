// The overlay through tens of thousands of updates in real Chromium, from a
// stand-in host that sends frames made by the real encoders: the JS heap and
// the DOM stay flat, and nothing animates once updates stop.

import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../helpers/browser';
import { FrameServer } from '../helpers/frame-server';
import { waitFor } from '../helpers/host';
import { overlayState } from '../helpers/overlay';
import { POINTS_PER_UPDATE, SyntheticRun } from '../helpers/synthetic-run';

/** Updates before the first measurement, so that every buffer has filled and every panel has drawn. */
const WARM_UP_UPDATES = 3_000;
/** Updates between the two measurements: 200,000 loss points, 400 epochs, 1,000 gallery items, 100 latent maps. */
const MEASURED_UPDATES = 20_000;
/** Updates sent before waiting for the page to show them, so the socket buffers hold at most one batch. */
const UPDATES_PER_BATCH = 250;

/**
 * Maximum heap growth allowed between the measurements, in bytes. Keeping
 * every loss point instead would add over 5 MB (measured with the store's
 * loss capacity raised to a million points).
 */
const MAX_HEAP_GROWTH = 2 * 1024 * 1024;
/** Maximum growth allowed in DOM nodes and in event listeners. */
const MAX_DOM_GROWTH = 50;

interface Measurement {
  heapBytes: number;
  nodes: number;
  listeners: number;
}

let server: FrameServer;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
const run = new SyntheticRun();

beforeAll(async () => {
  server = await FrameServer.start(run);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  // Counts animation frame requests, to check that an idle overlay requests none.
  await page.addInitScript(() => {
    const request = window.requestAnimationFrame.bind(window);
    const counter = window as unknown as { animationFrames: number };
    counter.animationFrames = 0;
    window.requestAnimationFrame = (callback) => {
      counter.animationFrames++;
      return request(callback);
    };
  });
  await page.goto(`${server.url}overlay?panels=status,loss,recon,latent,gallery`);
  cdp = await page.context().newCDPSession(page);
  await waitFor('the overlay to connect', async () => (await overlayState(page)).connection === 'live');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Sends `updates` updates in batches, each time waiting until the page shows the batch's last step. */
async function pushUpdates(updates: number): Promise<void> {
  for (let sent = 0; sent < updates; sent += UPDATES_PER_BATCH) {
    const batch = Math.min(UPDATES_PER_BATCH, updates - sent);
    for (let i = 0; i < batch; i++) server.send(run.nextUpdate());
    const step = run.step;
    await waitFor(`the page to show step ${step}`, async () => (await overlayState(page)).step === step);
  }
}

/** Collects garbage twice, then measures the JS heap and the DOM counters. */
async function measure(): Promise<Measurement> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters');
  return { heapBytes: heap.usedSize, nodes: dom.nodes, listeners: dom.jsEventListeners };
}

function animationFrames(): Promise<number> {
  return page.evaluate(() => (window as unknown as { animationFrames: number }).animationFrames);
}

describe('overlay over a long run', () => {
  let before: Measurement;
  let after: Measurement;

  beforeAll(async () => {
    await pushUpdates(WARM_UP_UPDATES);
    before = await measure();
    await pushUpdates(MEASURED_UPDATES);
    after = await measure();
  }, 600_000);

  it('received every update', async () => {
    expect((await overlayState(page)).step).toBe((WARM_UP_UPDATES + MEASURED_UPDATES) * POINTS_PER_UPDATE);
    expect(server.connections).toBe(1);
  });

  it('keeps the JS heap flat', () => {
    expect(after.heapBytes - before.heapBytes).toBeLessThan(MAX_HEAP_GROWTH);
  });

  it('keeps the DOM flat', () => {
    expect(after.nodes - before.nodes).toBeLessThan(MAX_DOM_GROWTH);
    expect(after.listeners - before.listeners).toBeLessThan(MAX_DOM_GROWTH);
  });

  it('requests no frames while idle', async () => {
    // Lets the redraws that the last update scheduled run first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idleStart = await animationFrames();
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(await animationFrames()).toBe(idleStart);
    expect(await page.evaluate(() => document.getAnimations().length)).toBe(0);
  });
});
