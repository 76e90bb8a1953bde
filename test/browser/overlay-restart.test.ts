// The OBS overlay across a host restart. The first host stops and a new one
// starts on the same port with a new run. The overlay reconnects on its own
// and shows the new run's data, not the old run's history.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../helpers/browser';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { overlayState, overlaySteps } from '../helpers/overlay';

/** A run that trains for longer than the test, so the first host is mid-run when it stops. */
const RUN_FLAGS = ['--shapes-count', '800', '--batch-size', '32', '--epochs', '200', '--recon-every', '10'];

let first: TestHost | null = null;
let second: TestHost | null = null;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  first = await startTestHost(RUN_FLAGS);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`${first.url}overlay?panels=status,loss`);
});

afterAll(async () => {
  await browser?.close();
  await first?.dispose();
  await second?.dispose();
});

describe('overlay across a host restart', () => {
  it('follows the first run', async () => {
    const host = first!;
    await waitFor('the first run in the overlay', async () => {
      const state = await overlayState(page);
      return state.runId === host.history.runId && state.step > 150;
    });
  });

  it('shows that the host is gone', async () => {
    const host = first!;
    first = null;
    await host.dispose();
    await waitFor('the overlay to notice', async () => (await overlayState(page)).connection === 'reconnecting');
    expect(await page.getByTestId('status-connection').textContent()).toContain('reconnecting');
  });

  it('resyncs to a new host on the same port', async () => {
    const oldStep = (await overlayState(page)).step;
    const port = Number(new URL(page.url()).port);
    second = await startTestHost([...RUN_FLAGS, '--seed', '2', '--port', String(port)]);
    // Holding the new run still makes its latest step a fixed target, below the first run's.
    second.runs.pause();
    const host = second;
    await waitFor('the new run to pause', () => host.history.status(0).state === 'paused');
    const newStep = host.history.losses.last()?.step ?? 0;
    expect(newStep).toBeLessThan(oldStep);

    await waitFor('the overlay to show the new run', async () => {
      const state = await overlayState(page);
      return state.connection === 'live' && state.runId === host.history.runId && state.step === newStep;
    });
    // Steps above the new run's latest can only be left over from the first run.
    expect((await overlaySteps(page)).filter((step) => step > newStep)).toEqual([]);
  });
});
