// The overlay's polls panel in Chromium against a real host of its own, so
// that no earlier poll's result is on the overlay when the test starts.
// Screenshots go to test-results/polls/.

import { mkdir, writeFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import { launchChromium } from '../helpers/browser';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { testIdText, waitForTestIdText } from '../helpers/page-text';
import { closePoll, openPoll } from '../helpers/polls';
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

describe('polls in the overlay', () => {
  it('shows the open poll and its result', async () => {
    const overlay = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await overlay.goto(new URL('/overlay?panels=status,polls', host.url).href);
    await waitFor('the overlay to go live', async () => (await overlay.locator('lc-overlay-app').getAttribute('data-connection')) === 'live');
    await overlay.locator('[data-panel="status"]').waitFor();
    expect(await overlay.locator('[data-panel="polls"]').count()).toBe(0);

    const poll = await openPoll(host, { question: 'Denoise harder?', setting: 'denoise', options: [{ value: 0, label: 'clean' }, { value: 0.3, label: 'noisy' }], durationSeconds: 600 });
    await waitForTestIdText(overlay, 'overlay-poll', /Denoise harder\?/);
    await waitForTestIdText(viewer, 'poll-question', /Denoise harder\?/);
    await viewer.getByTestId('poll-option').nth(1).click();
    await viewer.getByTestId('poll-vote').click();
    await waitFor('the share on the overlay', async () => /noisy\s*100%/.test(await testIdText(overlay, 'overlay-poll')));
    await writeFile(`${SCREENSHOT_DIR}/overlay-open-poll.png`, await overlay.screenshot());

    await closePoll(host, poll.id);

    await waitForTestIdText(overlay, 'overlay-poll-result', /"noisy" won with 1 of 1 vote\.\s*Applied: a new run started with denoising noise 0\.3/);
    expect(await overlay.getByTestId('overlay-poll').count()).toBe(0);
    await writeFile(`${SCREENSHOT_DIR}/overlay-poll-result.png`, await overlay.screenshot());
    await overlay.close();
  });
});

