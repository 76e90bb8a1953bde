import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchChromium } from '../helpers/browser';
import { latent, ViewerClient } from '../helpers/gallery';
import { overlayState } from '../helpers/overlay';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

// Enough epochs that the run trains through every test of the file.
const LONG_RUN = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '100000', '--recon-every', '5', '--submit-limit', '1000/1'];

let host: TestHost;
let browser: Browser;
let contexts: BrowserContext[] = [];

/** Content-Security-Policy violations and console errors per page, gathered by `openPage`. */
const problems = new Map<Page, string[]>();

beforeAll(async () => {
  host = await startTestHost(LONG_RUN);
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await host?.dispose();
});

/** Opens `path` in a new browser context, recording CSP violations and console errors. */
async function openPage(path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
  await page.exposeFunction('__reportViolation', (text: string) => seen.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __reportViolation: (text: string) => void }).__reportViolation;
      report(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} in ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  await page.goto(new URL(path, host.url).href);
  return page;
}

async function openPanel(): Promise<Page> {
  const panel = await openPage(`/host#token=${host.hostToken.value}`);
  await panel.getByTestId('host-state').waitFor();
  return panel;
}

async function viewerState(page: Page): Promise<string | null> {
  return page.getByTestId('status-state').getAttribute('data-state');
}

describe('host panel', () => {
  it('steers training for every viewer', async () => {
    const viewers = [await openPage('/'), await openPage('/')];
    const panel = await openPanel();
    for (const viewer of viewers) await waitFor('a training viewer', async () => (await viewerState(viewer)) === 'training');

    await panel.getByTestId('host-pause').click();

    for (const viewer of viewers) await waitFor('the paused state on a viewer', async () => (await viewerState(viewer)) === 'paused');
    await waitFor('the paused state on the panel', async () => (await panel.getByTestId('host-state').getAttribute('data-state')) === 'paused');

    await panel.getByLabel('Latent size').fill('4');
    await panel.getByTestId('host-apply').click();

    for (const viewer of viewers) {
      const notice = viewer.getByTestId('new-run-notice');
      await notice.waitFor();
      expect(await notice.textContent()).toContain('New run: latent size 8 → 4 (host panel)');
      await waitFor('the new layer sizes on a viewer', async () => (await viewer.getByTestId('run-model').textContent()) === '784-4-784');
      await waitFor('the new run training on a viewer', async () => (await viewerState(viewer)) === 'training');
    }
    await waitFor('the earlier run in the panel', async () => (await panel.getByTestId('host-runs').locator('tbody tr').count()) === 2);
  });

  it('shows why a restart failed and keeps the run', async () => {
    const viewer = await openPage('/');
    const panel = await openPanel();
    await waitFor('a training viewer', async () => (await viewerState(viewer)) === 'training');
    const runId = host.history.runId;

    await panel.getByLabel('Dataset').fill('/nonexistent/folder');
    await panel.getByTestId('host-apply').click();

    const rejection = panel.getByTestId('host-rejection');
    await rejection.waitFor();
    expect(await rejection.textContent()).toContain('/nonexistent/folder');
    expect(await panel.getByTestId('host-message').getAttribute('data-failed')).toBe('true');
    expect(host.history.runId).toBe(runId);
    expect(await viewer.getByTestId('new-run-notice').count()).toBe(0);
    expect(await viewerState(viewer)).toBe('training');
  });

  it('turns away host calls from a viewer page', async () => {
    const viewer = await openPage('/');
    const runId = host.history.runId;
    const wrong = `${host.hostToken.value.slice(0, -1)}${host.hostToken.value.endsWith('A') ? 'B' : 'A'}`;

    const statuses = await viewer.evaluate(
      async ({ token, wrongToken }) => {
        const pause = (path: string, headers: Record<string, string> = {}) => fetch(path, { method: 'POST', headers }).then((response) => response.status);
        return [
          await pause('/api/host/run/pause'),
          await pause('/api/host/run/pause', { authorization: `Bearer ${wrongToken}` }),
          await pause(`/api/host/run/pause?token=${token}`),
          await pause('/api/host/run/reset'),
        ];
      },
      { token: host.hostToken.value, wrongToken: wrong },
    );

    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(host.history.status(0).state).toBe('training');
    expect(host.history.runId).toBe(runId);
  });
});

describe('content security policy', () => {
  it('lets the viewer page, explorer and gallery run', async () => {
    await waitFor('decoder weights', () => host.history.decoderWeights !== null);
    const page = await openPage('/');
    const explorer = page.getByTestId('explorer');
    // TensorFlow.js loads lazily and decodes after the first weights, which takes long on a busy machine.
    await waitFor('a decode in the page', async () => Number(await explorer.getAttribute('data-decodes')) > 0, 120_000);

    const submit = page.getByTestId('explorer-submit');
    await waitFor('the submit button', () => submit.isEnabled());
    await page.getByTestId('explorer-title').fill('csp check');
    await submit.click();
    await waitFor('the confirmation', async () => /Submitted/.test((await page.getByTestId('explorer-submit-message').textContent()) ?? ''));
    await page.locator('[data-testid="gallery-card"] img').first().waitFor();

    expect(problems.get(page)).toEqual([]);
  });

  it('lets the overlay run', async () => {
    const page = await openPage('/overlay');
    await waitFor('the overlay to show a step', async () => {
      const state = await overlayState(page);
      return state.connection === 'live' && state.step > 0;
    });

    expect(problems.get(page)).toEqual([]);
  });

  it('lets the overlay builder frame its preview', async () => {
    const page = await openPage('/overlay/builder');
    // The preview is the real overlay in a frame of the builder, which frame-ancestors 'self' allows.
    await waitFor('the preview to show a step', async () => {
      const preview = page.frames().find((frame) => frame !== page.mainFrame() && new URL(frame.url()).pathname === '/overlay');
      if (!preview) return false;
      const step = await preview.locator('lc-overlay-app').getAttribute('data-step').catch(() => null);
      return Number(step) > 0;
    });

    expect(problems.get(page)).toEqual([]);
  });

  it('lets the host panel run', async () => {
    await waitFor('decoder weights', () => host.history.decoderWeights !== null);
    const submitter = await new ViewerClient(host).visit();
    expect((await submitter.submit(latent(host.history.config.latent), 'for the queue')).status).toBe(201);

    const panel = await openPanel();
    await panel.locator('lc-moderation-queue [data-testid="moderation-row"]').first().waitFor({ timeout: 120_000 });

    expect(problems.get(panel)).toEqual([]);
  });
});
