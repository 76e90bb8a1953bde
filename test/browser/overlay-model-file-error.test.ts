// The overlay's model file banner in Chromium against a real host: it shows
// the error from the host status only when the streamer enabled it, and goes
// away once the file loads. The status is set on the host directly here; the
// saves that set it are covered by test/live/model-file-host.test.ts.

import { mkdir, writeFile } from 'node:fs/promises';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ModelFileFailure } from '../../shared/training';
import { launchChromium } from '../helpers/browser';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

const SCREENSHOT_DIR = 'test-results/overlay';

let host: TestHost;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  host = await startTestHost(SMALL_RUN);
  browser = await launchChromium();
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  // Only the loss panel: the banner must not depend on the status panel's topic.
  await page.goto(`${host.url}overlay?panels=loss`);
});

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

function publish(failure: ModelFileFailure | null): void {
  host.history.modelFileError = failure;
  host.feed.statusChanged();
}

const failure: ModelFileFailure = {
  message: 'the encoder from model.ts outputs shape [16], but the latent size is 8; end it with a layer of config.latent units.',
  location: { file: 'model.ts', line: 14, column: 7 },
  failedAt: Date.now(),
  showOnOverlay: true,
};

describe('overlay model file banner', () => {
  it('shows the error with file and line', async () => {
    publish(failure);
    const banner = page.getByTestId('model-file-error');
    await waitFor('the banner', async () => (await banner.count()) === 1);

    expect(await page.getByTestId('model-file-error-location').textContent()).toBe('model.ts:14:7');
    expect(await banner.textContent()).toContain('outputs shape [16], but the latent size is 8');
    await writeFile(`${SCREENSHOT_DIR}/model-file-error.png`, await page.screenshot({ omitBackground: true }));
  });

  it('hides an error the streamer keeps off the overlay', async () => {
    publish(failure);
    await waitFor('the banner', async () => (await page.getByTestId('model-file-error').count()) === 1);
    publish({ ...failure, showOnOverlay: false });
    await waitFor('the banner to go', async () => (await page.getByTestId('model-file-error').count()) === 0);
  });

  it('hides the banner once the file loads', async () => {
    publish(failure);
    await waitFor('the banner', async () => (await page.getByTestId('model-file-error').count()) === 1);
    publish(null);
    await waitFor('the banner to go', async () => (await page.getByTestId('model-file-error').count()) === 0);
  });

  it('covers none of the default panels', async () => {
    const full = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await full.goto(`${host.url}overlay`);
    await full.locator('[data-panel="status"]').waitFor();
    publish(failure);
    const banner = full.getByTestId('model-file-error');
    await waitFor('the banner', async () => (await banner.count()) === 1);

    const bannerBox = await banner.boundingBox();
    const panelBoxes = await full.locator('[data-panel]').evaluateAll((panels) =>
      panels.map((panel) => ({ name: panel.getAttribute('data-panel'), box: panel.getBoundingClientRect().toJSON() as Box })),
    );
    expect(bannerBox).not.toBeNull();
    expect(panelBoxes.length).toBeGreaterThan(1);
    expect(panelBoxes.filter(({ box }) => overlaps(bannerBox!, box)).map(({ name }) => name)).toEqual([]);
    await writeFile(`${SCREENSHOT_DIR}/model-file-error-all-panels.png`, await full.screenshot({ omitBackground: true }));
    await full.close();
  });
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Returns whether two boxes share any area; boxes that only touch do not. */
function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
