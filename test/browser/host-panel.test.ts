import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { GalleryItem } from '../../shared/gallery';
import { tabThrough, unnamedControls } from '../helpers/accessibility';
import { launchChromium } from '../helpers/browser';
import { latent, ViewerClient } from '../helpers/gallery';
import { overlayState } from '../helpers/overlay';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

// Enough epochs that the run trains through every test of the file.
const LONG_RUN = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '100000', '--recon-every', '5', '--submit-limit', '1000/1'];

// A title that would run script if the panel rendered it as HTML.
const HOSTILE_TITLE = '<img src=x onerror="window.__injected=1"><b>bold</b>';

let host: TestHost;
let browser: Browser;
let contexts: BrowserContext[] = [];

/** Content-Security-Policy violations and console errors per page, gathered by `openPage`. */
const problems = new Map<Page, string[]>();

beforeAll(async () => {
  host = await startTestHost(LONG_RUN);
  browser = await launchChromium();
});

// Each page keeps WebSockets open, and the host accepts 32 per IP address, so every test closes its pages.
afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
});

afterAll(async () => {
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
    expect(await panel.getByTestId('host-message').textContent()).toContain('Apply latent size: new run');
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

  it('says when the gallery is empty', async () => {
    // No earlier test submits to the gallery.
    const panel = await openPanel();
    await panel.getByTestId('moderation-empty').waitFor();
    expect(await panel.getByTestId('moderation-empty').textContent()).toBe('No gallery items yet.');
  });

  it('reaches every control by Tab', async () => {
    const panel = await openPanel();
    const stops = await tabThrough(panel, 80);
    const ids = stops.map((stop) => stop.id);

    const controls = ['host-pause', 'host-reset', 'host-apply', 'viewer-link', 'overlay-link'];
    for (const id of [...controls, 'poll-admin-question', 'poll-admin-open', 'approve-before-public']) expect(ids, id).toContain(id);
    expect(stops.filter((stop) => !stop.ringVisible)).toEqual([]);
  });

  it('names every control', async () => {
    const panel = await openPanel();
    await panel.getByTestId('viewer-link').waitFor();
    expect(unnamedControls(await panel.locator('body').ariaSnapshot())).toEqual([]);
  });

  it('takes the token out of the address bar', async () => {
    const panel = await openPanel();
    expect(new URL(panel.url()).hash).toBe('');
    expect(panel.url()).not.toContain(host.hostToken.value);
  });

  it('warns that a loopback host reaches no viewer', async () => {
    const panel = await openPanel();
    const origin = new URL(host.url).origin;
    await waitFor('the note on the links', async () => (await panel.getByTestId('share-note').count()) === 1);

    expect(await panel.getByTestId('viewer-link').inputValue()).toBe(`${origin}/`);
    expect(await panel.getByTestId('overlay-link').inputValue()).toBe(`${origin}/overlay`);
    expect(await panel.getByTestId('share-note').textContent()).toContain('--host 0.0.0.0');
    expect(await panel.getByRole('button', { name: 'Copy viewer link' }).count()).toBe(1);
    expect(await panel.getByRole('button', { name: 'Copy overlay URL' }).count()).toBe(1);
  });

  it('copies the viewer link and overlay URL', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
    contexts.push(context);
    const panel = await context.newPage();
    await panel.goto(new URL(`/host#token=${host.hostToken.value}`, host.url).href);
    const origin = new URL(host.url).origin;

    await panel.getByRole('button', { name: 'Copy viewer link' }).click();
    await waitFor('the viewer link on the clipboard', async () => (await panel.evaluate(() => navigator.clipboard.readText())) === `${origin}/`);
    await panel.getByRole('button', { name: 'Copy overlay URL' }).click();
    await waitFor('the overlay URL on the clipboard', async () => (await panel.evaluate(() => navigator.clipboard.readText())) === `${origin}/overlay`);
  });

  it('shares the network address of a host on 0.0.0.0', async () => {
    // Tests listen on loopback only, so the host's response is replaced with that of a host on every
    // interface. The documentation address (RFC 5737) is shown, never opened.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const port = new URL(host.url).port;
    const links = { listenHost: '0.0.0.0', loopbackOnly: false, networkUrls: [{ name: 'eth0', url: `http://192.0.2.10:${port}/` }] };
    await context.route('**/api/host/links', (route) => route.fulfill({ json: links }));
    const panel = await context.newPage();
    await panel.goto(new URL(`/host#token=${host.hostToken.value}`, host.url).href);

    const viewerLink = panel.getByTestId('viewer-link');
    await waitFor('the network viewer link', async () => (await viewerLink.inputValue()) === `http://192.0.2.10:${port}/`);
    expect(await panel.getByTestId('overlay-link').inputValue()).toBe(`${new URL(host.url).origin}/overlay`);
    expect(await panel.getByTestId('share-note').textContent()).toContain(`http://192.0.2.10:${port}/overlay`);
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

describe('gallery moderation in the panel', () => {
  /** Submits as `author` and returns the new item. */
  async function submitted(author: ViewerClient, title: string, seed: number): Promise<GalleryItem> {
    const response = await author.submit(latent(host.history.config.latent, seed), title);
    expect(response.status).toBe(201);
    return (await response.json()) as GalleryItem;
  }

  async function openModeration(): Promise<Page> {
    const panel = await openPanel();
    panel.on('dialog', (dialog) => void dialog.accept());
    return panel;
  }

  function row(panel: Page, id: number) {
    return panel.locator(`[data-testid="moderation-row"][data-item-id="${id}"]`);
  }

  it('hides, shows, deletes and bans', async () => {
    await waitFor('decoder weights', () => host.history.decoderWeights !== null);
    const author = await new ViewerClient(host).visit();
    const hostile = await submitted(author, HOSTILE_TITLE, 21);
    const plain = await submitted(author, 'plain title', 22);
    const panel = await openModeration();
    await row(panel, hostile.id).waitFor();

    expect(await row(panel, hostile.id).locator('td.title').textContent()).toBe(HOSTILE_TITLE);
    expect(await row(panel, hostile.id).locator('td.title b').count()).toBe(0);
    expect(await panel.evaluate(() => (window as { __injected?: number }).__injected)).toBeUndefined();

    await panel.getByRole('button', { name: `Hide ${HOSTILE_TITLE}` }).click();
    await waitFor('the hidden item', () => host.gallery.store.visibleItem(hostile.id) === null);
    await panel.getByRole('button', { name: `Show ${HOSTILE_TITLE}` }).click();
    await waitFor('the shown item', () => host.gallery.store.visibleItem(hostile.id) !== null);

    await panel.getByRole('button', { name: 'Delete plain title' }).click();
    await waitFor('the deleted item', () => host.gallery.store.item(plain.id) === null);
    await row(panel, plain.id).waitFor({ state: 'detached' });

    await panel.getByRole('button', { name: `Ban the viewer who submitted ${HOSTILE_TITLE}` }).click();
    await waitFor('the ban', () => host.gallery.store.isBanned(author.viewerId));
    expect(host.gallery.store.visibleItem(hostile.id)).toBeNull();
    expect((await author.submit(latent(host.history.config.latent, 23), 'after the ban')).status).toBe(403);
  });

  it('fits half a laptop screen and a phone', async () => {
    const panel = await openModeration();
    await panel.locator('[data-testid="moderation-row"]').first().waitFor();

    for (const width of [960, 375]) {
      await panel.setViewportSize({ width, height: 900 });
      const overflow = await panel.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal overflow at ${width} px`).toBe(0);
    }
  });

  it('holds items until approved in the panel', async () => {
    await waitFor('decoder weights', () => host.history.decoderWeights !== null);
    const panel = await openModeration();
    await panel.getByTestId('approve-before-public').check();
    await waitFor('approval on the host', () => host.gallery.approval.enabled);

    try {
      const item = await submitted(await new ViewerClient(host).visit(), 'needs approval', 24);
      expect(host.gallery.store.visibleItem(item.id)).toBeNull();
      // The queue reloads every 5 s, and Reload shows the item at once.
      await panel.getByRole('button', { name: 'Reload' }).click();
      await panel.getByRole('button', { name: 'Approve needs approval' }).first().click();
      await waitFor('the approved item', () => host.gallery.store.visibleItem(item.id) !== null);
    } finally {
      await panel.getByTestId('approve-before-public').uncheck();
      await waitFor('approval off on the host', () => !host.gallery.approval.enabled);
    }
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
