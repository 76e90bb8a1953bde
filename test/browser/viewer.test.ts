import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import { launchChromium } from '../helpers/browser';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

let host: TestHost;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The run must outlast the tests: a run that finishes before the page opens
  // never sends a later reconstruction.
  host = await startTestHost(['--shapes-count', '2000', '--batch-size', '32', '--epochs', '1000', '--recon-every', '20']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(host.url);
});

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

async function text(testId: string): Promise<string> {
  return (await page.getByTestId(testId).first().textContent()) ?? '';
}

async function plottedPoints(): Promise<number> {
  return Number(await page.getByTestId('loss-chart').first().getAttribute('data-points'));
}

/** Returns the first number in a test id's text, such as the step in "Step 1,240". */
async function numberIn(testId: string): Promise<number> {
  const match = (await text(testId)).replace(/,/g, '').match(/\d+/);
  return match ? Number(match[0]) : NaN;
}

describe('viewer page against a real host', () => {
  it('shows the training state', async () => {
    await waitFor('the training state', async () => /training|finished/i.test(await text('status-state')));
  });

  it('plots more loss points as training goes on', async () => {
    await waitFor('a first loss point', async () => (await plottedPoints()) > 0);
    const first = await plottedPoints();
    await waitFor('more loss points', async () => (await plottedPoints()) > first);
  });

  it('refreshes the reconstruction grid with a later step', async () => {
    await waitFor('a first reconstruction', async () => (await numberIn('recon-step')) >= 0);
    const first = await numberIn('recon-step');
    await waitFor('a later reconstruction', async () => (await numberIn('recon-step')) > first);
    expect(await page.getByTestId('recon-grid').locator('canvas').count()).toBeGreaterThanOrEqual(2);
  });

  it('shows a late joiner the history so far', async () => {
    await waitFor('two finished epochs', () => host.history.epochs.length >= 2);
    const late = await browser.newPage();
    await late.goto(host.url);
    const historyLength = host.history.losses.length;
    await waitFor('the history in the late page', async () => {
      const points = Number(await late.getByTestId('loss-chart').first().getAttribute('data-stored-points'));
      return points >= historyLength;
    });
    await late.close();
  });
});
