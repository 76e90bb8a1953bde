// The OBS overlay in real Chromium against a real host: transparency, the
// panels and topics it requests, address checks, hiding and showing, and
// the builder page. Screenshots go to test-results/overlay/.

import { mkdir, writeFile } from 'node:fs/promises';

import sharp from 'sharp';
import type { Browser, Page, WebSocket as PageSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../helpers/browser';
import { latent, ViewerClient } from '../helpers/gallery';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { overlayState, overlaySteps, tfjsChunks } from '../helpers/overlay';

const SCREENSHOT_DIR = 'test-results/overlay';

/** A panel's box on the page, in CSS pixels. */
interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

let host: TestHost;
let browser: Browser;
/** Every URL any overlay page requested, across the tests. */
const requested: string[] = [];

beforeAll(async () => {
  // Many short epochs, so that latent maps and reconstructions come early and training outlasts the tests.
  host = await startTestHost([
    ...['--shapes-count', '1200', '--batch-size', '32', '--epochs', '300', '--recon-every', '10'],
    ...['--topic-rates', 'latent=2,reconstructions=2'],
  ]);
  browser = await launchChromium();
  await mkdir(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

/** Opens the overlay at 1920×1080, recording its requests and sockets; `init` runs before the page's scripts. */
async function openOverlay(query: string, init?: () => void): Promise<{ page: Page; sockets: PageSocket[] }> {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const sockets: PageSocket[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('websocket', (socket) => sockets.push(socket));
  if (init) await page.addInitScript(init);
  await page.goto(`${host.url}overlay?${query}`);
  return { page, sockets };
}

async function waitForLive(page: Page): Promise<void> {
  await waitFor('the overlay to go live with a step', async () => {
    const state = await overlayState(page);
    return state.connection === 'live' && state.step > 0;
  });
}

async function panelBoxes(page: Page): Promise<Box[]> {
  const panels = page.locator('[data-panel]');
  const boxes: Box[] = [];
  for (let i = 0; i < (await panels.count()); i++) {
    const box = (await panels.nth(i).boundingBox())!;
    boxes.push({ name: (await panels.nth(i).getAttribute('data-panel'))!, ...box });
  }
  return boxes;
}

/** Counts the screenshot's pixels that are not fully transparent and lie outside every box (grown by 1 px for anti-aliasing). */
async function opaquePixelsOutside(png: Buffer, boxes: Box[]): Promise<number> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const inside = (x: number, y: number) => boxes.some((box) => x >= box.x - 1 && x <= box.x + box.width + 1 && y >= box.y - 1 && y <= box.y + box.height + 1);
  let count = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * 4 + 3] !== 0 && !inside(x, y)) count++;
    }
  }
  return count;
}

/** Returns the alpha of the pixel at the centre of a box. */
async function alphaAtCentre(png: Buffer, box: Box): Promise<number> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const x = Math.round(box.x + box.width / 2);
  const y = Math.round(box.y + box.height / 2);
  return data[(y * info.width + x) * 4 + 3];
}

function topicsOf(socket: PageSocket): string[] {
  return (new URL(socket.url()).searchParams.get('topics') ?? '').split(',').sort();
}

describe('overlay against a real host', () => {
  it('is transparent outside its panels', async () => {
    const { page, sockets } = await openOverlay('panels=status,loss');
    await waitForLive(page);
    await waitFor('loss points in the chart', async () => Number(await page.locator('lc-overlay-loss-chart').getAttribute('data-points')) > 0);

    const boxes = await panelBoxes(page);
    const png = await page.screenshot({ omitBackground: true });
    await writeFile(`${SCREENSHOT_DIR}/status-loss.png`, png);

    expect(boxes.map((box) => box.name).sort()).toEqual(['loss', 'status']);
    expect(await opaquePixelsOutside(png, boxes)).toBe(0);
    for (const box of boxes) expect(await alphaAtCentre(png, box)).toBeGreaterThan(200);
    expect(sockets.map(topicsOf)).toEqual([['loss', 'status']]);
    await page.close();
  });

  it('shows every panel with data', async () => {
    const viewer = await new ViewerClient(host).visit();
    await waitFor('the first epoch', () => host.history.epochs.length >= 1);
    expect((await viewer.submit(latent(8), 'overlay card')).status).toBe(201);

    const { page, sockets } = await openOverlay('panels=status,loss,recon,latent,gallery&theme=light&accent=e8590c&scale=0.9');
    await waitForLive(page);
    await waitFor('the latent map', async () => (await page.locator('lc-overlay-latent-map canvas').count()) === 1);
    await waitFor('reconstructions', async () => (await page.locator('lc-recon-grid canvas').count()) === 16);
    await waitFor('the gallery card image', async () =>
      page.locator('lc-overlay-gallery img').first().evaluate((image) => (image as HTMLImageElement).naturalWidth > 0).catch(() => false),
    );
    await writeFile(`${SCREENSHOT_DIR}/all-panels-light.png`, await page.screenshot({ omitBackground: true }));

    expect((await panelBoxes(page)).map((box) => box.name).sort()).toEqual(['gallery', 'latent', 'loss', 'recon', 'status']);
    expect(await page.locator('lc-overlay-gallery li').first().textContent()).toContain('overlay card');
    expect(sockets.map(topicsOf)).toEqual([['gallery', 'latent', 'loss', 'reconstructions', 'status']]);
    await page.close();
  });

  it('names an unknown panel', async () => {
    const { page, sockets } = await openOverlay('panels=loss,chat');
    const problems = page.getByTestId('overlay-problems');
    await problems.waitFor();

    const text = (await problems.textContent()) ?? '';
    expect(text).toContain('Unknown panel "chat"');
    expect(text).toContain('Valid panels: status, loss, polls, recon, latent, gallery.');
    expect(await problems.isVisible()).toBe(true);
    expect(sockets).toEqual([]);
    await writeFile(`${SCREENSHOT_DIR}/unknown-panel.png`, await page.screenshot());
    await page.close();
  });

  it('rejects an invalid accent', async () => {
    const { page } = await openOverlay('accent=notacolour');
    const problems = page.getByTestId('overlay-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('Invalid accent "notacolour"');
    await page.close();
  });

  it('jumps to the latest state after an OBS hide', async () => {
    const { page, sockets } = await openOverlay('panels=status,loss', () => {
      (window as unknown as { obsstudio: object }).obsstudio = { pluginVersion: '2.24.0' };
    });
    await waitForLive(page);
    const obsVisible = (visible: boolean) => page.evaluate((shown) => window.dispatchEvent(new CustomEvent('obsSourceVisibleChanged', { detail: { visible: shown } })), visible);

    await obsVisible(false);
    await waitFor('the overlay to pause', async () => (await overlayState(page)).connection === 'paused');
    const hiddenStep = (await overlayState(page)).step;
    await waitFor('training to move on while hidden', () => (host.history.losses.last()?.step ?? 0) > hiddenStep + 40);

    expect((await overlayState(page)).step).toBe(hiddenStep);
    // The close event reaches Playwright after the close handshake, which a busy machine can delay.
    await waitFor('the hidden overlay to close its socket', () => sockets[0].isClosed());

    const shownAt = host.history.losses.last()!.step;
    await obsVisible(true);
    await waitFor('the overlay to catch up', async () => {
      const state = await overlayState(page);
      return state.connection === 'live' && state.step >= shownAt;
    });

    const steps = await overlaySteps(page);
    expect(steps.some((step) => step > hiddenStep + 20 && step <= shownAt)).toBe(true);
    expect(sockets).toHaveLength(2);
    await page.close();
  });

  it('jumps to the latest state after a visibilitychange', async () => {
    const { page, sockets } = await openOverlay('panels=status,loss', () => {
      let state: DocumentVisibilityState = 'visible';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
      (window as unknown as { setVisibility: (next: DocumentVisibilityState) => void }).setVisibility = (next) => {
        state = next;
        document.dispatchEvent(new Event('visibilitychange'));
      };
    });
    await waitForLive(page);
    const setVisibility = (state: string) => page.evaluate((next) => (window as unknown as { setVisibility: (value: string) => void }).setVisibility(next), state);

    await setVisibility('hidden');
    await waitFor('the overlay to pause', async () => (await overlayState(page)).connection === 'paused');
    const hiddenStep = (await overlayState(page)).step;
    await waitFor('training to move on while hidden', () => (host.history.losses.last()?.step ?? 0) > hiddenStep + 40);
    expect((await overlayState(page)).step).toBe(hiddenStep);

    const shownAt = host.history.losses.last()!.step;
    await setVisibility('visible');
    await waitFor('the overlay to catch up', async () => (await overlayState(page)).step >= shownAt);
    expect(sockets).toHaveLength(2);
    await page.close();
  });

  it('loads no TensorFlow.js and calls no host API', () => {
    const tfjs = tfjsChunks();
    expect(tfjs.length).toBeGreaterThan(0);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => tfjs.some((name) => url.endsWith(name)))).toEqual([]);
    expect(requested.filter((url) => new URL(url).pathname.startsWith('/api/host'))).toEqual([]);
    expect(requested.filter((url) => /token/i.test(url))).toEqual([]);
  });
});

describe('overlay builder', () => {
  let page: Page;

  beforeAll(async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    await page.goto(`${host.url}overlay/builder`);
  });

  async function addressShown(): Promise<string> {
    return page.getByTestId('overlay-url').inputValue();
  }

  it('states the browser-source size', async () => {
    expect(await page.getByTestId('obs-width').textContent()).toBe('1920');
    expect(await page.getByTestId('obs-height').textContent()).toBe('1080');
  });

  it('previews the address it shows', async () => {
    const address = await addressShown();
    expect(address).toBe(`${host.url}overlay?panels=status,loss,recon,latent&theme=dark&scale=1&accent=4cc2ff`);
    expect(await page.getByTestId('overlay-preview').getAttribute('src')).toBe(address);

    const preview = page.frameLocator('[data-testid="overlay-preview"]');
    await waitFor('the preview to go live', async () => (await preview.locator('lc-overlay-app').getAttribute('data-connection')) === 'live');
  });

  it('updates the address from the controls', async () => {
    await page.getByTestId('panel-gallery').check();
    await page.getByTestId('panel-recon').uncheck();
    await page.getByTestId('accent').fill('tomato');
    await page.getByTestId('accent').press('Enter');
    await page.getByTestId('scale').fill('1.25');
    await page.getByTestId('scale').press('Enter');

    const address = await addressShown();
    expect(address).toBe(`${host.url}overlay?panels=status,loss,latent,gallery&theme=dark&scale=1.25&accent=tomato`);
    expect(await page.getByTestId('overlay-preview').getAttribute('src')).toBe(address);
  });

  it('keeps the address on an invalid accent', async () => {
    const before = await addressShown();
    await page.getByTestId('accent').fill('nope');
    await page.getByTestId('accent').press('Enter');

    expect(await page.getByTestId('builder-problem').textContent()).toContain('"nope"');
    expect(await addressShown()).toBe(before);
  });

  it('warns when panels do not fit', async () => {
    const warning = page.getByTestId('fit-warning');
    await page.getByTestId('scale').fill('2');
    await page.getByTestId('scale').press('Enter');
    await waitFor('the fit warning', async () => ((await warning.textContent()) ?? '').includes('runs past the right edge of the 1920×1080 canvas'));
    expect(await warning.textContent()).toContain('Autoencoder training');

    await page.getByTestId('scale').fill('1');
    await page.getByTestId('scale').press('Enter');
    await waitFor('no fit warning', async () => ((await warning.textContent()) ?? '').trim() === '');
  });

  it('copies the address', async () => {
    await page.getByTestId('copy-url').click();
    await waitFor('the copy message', async () => ((await page.getByTestId('copy-message').textContent()) ?? '').startsWith('Copied'));
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await addressShown());
    await writeFile(`${SCREENSHOT_DIR}/builder.png`, await page.screenshot({ fullPage: true }));
  });
});
