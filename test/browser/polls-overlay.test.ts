// The overlay's polls panel in Chromium against a real host of its own, so
// that no earlier poll's result is on the overlay when the test starts.
// Screenshots go to test-results/polls/.

import { mkdir, writeFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import type { OpenPoll } from '../../shared/polls';
import { launchChromium } from '../helpers/browser';
import { hostCall } from '../helpers/gallery';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { RecordingRunControl } from '../helpers/recording-run-control';

const SCREENSHOT_DIR = 'test-results/polls';

let host: TestHost;
let browser: Browser;
let viewer: Page;

beforeAll(async () => {
  host = await startTestHost(SMALL_RUN);
  host.polls.attachRunControl(new RecordingRunControl(host.history.config));
  browser = await launchChromium();
  viewer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await viewer.goto(host.url);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

async function openPoll(body: object): Promise<OpenPoll> {
  const response = await hostCall(host, '/api/host/polls', host.hostToken.value, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as OpenPoll;
}

async function closePoll(id: number): Promise<void> {
  const response = await hostCall(host, `/api/host/polls/${id}/close`, host.hostToken.value, { method: 'POST' });
  expect(response.status).toBe(200);
}

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).first().textContent())?.trim() ?? '';

async function waitForText(page: Page, testId: string, pattern: RegExp): Promise<void> {
  await waitFor(`${testId} to match ${pattern}`, async () => pattern.test(await text(page, testId)));
}

describe('polls in the overlay', () => {
  it('shows the open poll and its result', async () => {
    const overlay = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await overlay.goto(new URL('/overlay?panels=status,polls', host.url).href);
    await waitFor('the overlay to go live', async () => (await overlay.locator('lc-overlay-app').getAttribute('data-connection')) === 'live');
    await overlay.locator('[data-panel="status"]').waitFor();
    expect(await overlay.locator('[data-panel="polls"]').count()).toBe(0);

    const poll = await openPoll({ question: 'Denoise harder?', setting: 'denoise', options: [{ value: 0, label: 'clean' }, { value: 0.3, label: 'noisy' }], durationSeconds: 600 });
    await waitForText(overlay, 'overlay-poll', /Denoise harder\?/);
    await waitForText(viewer, 'poll-question', /Denoise harder\?/);
    await viewer.getByTestId('poll-option').nth(1).click();
    await viewer.getByTestId('poll-vote').click();
    await waitFor('the share on the overlay', async () => /noisy\s*100%/.test(await text(overlay, 'overlay-poll')));
    await writeFile(`${SCREENSHOT_DIR}/overlay-open-poll.png`, await overlay.screenshot());

    await closePoll(poll.id);

    await waitForText(overlay, 'overlay-poll-result', /"noisy" won with 1 of 1 vote\.\s*Applied: a new run started with denoising noise 0\.3/);
    expect(await overlay.getByTestId('overlay-poll').count()).toBe(0);
    await writeFile(`${SCREENSHOT_DIR}/overlay-poll-result.png`, await overlay.screenshot());
    await overlay.close();
  });
});

