import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { GalleryItem } from '../../shared/gallery';
import { latent } from '../helpers/gallery';
import { launchChromium } from '../helpers/browser';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

const HIGH_LIMITS = ['--submit-limit', '1000/1', '--vote-limit', '1000/1'];

// A title that would run script if it were rendered as HTML.
const HOSTILE_TITLE = '<img src=x onerror="window.__injected=1"><b>bold</b>';

let host: TestHost;
let browser: Browser;
let contexts: BrowserContext[] = [];
let author: Page;
let voter: Page;

beforeAll(async () => {
  host = await startTestHost([...SMALL_RUN, ...HIGH_LIMITS]);
  await waitFor('the run to finish', () => host.history.status(0).state === 'finished');
  browser = await launchChromium();
  author = await newViewerPage();
  voter = await newViewerPage();
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await host?.dispose();
});

/** Opens the viewer page in a new browser context, which has its own viewer cookie. */
async function newViewerPage(path = '/'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(new URL(path, host.url).href);
  return page;
}

/** Submits from inside `page`, so the request carries that page's cookie. */
async function submitFrom(page: Page, z: number[], title: string): Promise<GalleryItem> {
  const result = await page.evaluate(async (body) => {
    const response = await fetch('/api/gallery', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, item: await response.json() };
  }, { z, title });
  expect(result.status).toBe(201);
  return result.item as GalleryItem;
}

function card(page: Page, id: number) {
  return page.locator(`[data-testid="gallery-card"][data-item-id="${id}"]`).first();
}

describe('gallery in the viewer page', () => {
  it('carries a submission and a vote between pages', async () => {
    const submit = author.getByTestId('explorer-submit');
    await waitFor('the explorer submit button to be enabled', () => submit.isEnabled());
    await author.getByTestId('explorer-title').fill(HOSTILE_TITLE);

    await submit.click();

    await waitFor('the confirmation', async () => /Submitted/.test((await author.getByTestId('explorer-submit-message').textContent()) ?? ''));
    const item = host.gallery.store.page('new', null, 1).items[0];
    expect(item.title).toBe(HOSTILE_TITLE);
    expect(item.z).toHaveLength(8);

    const seen = card(voter, item.id);
    await seen.waitFor();
    expect(await seen.getByTestId('gallery-title').textContent()).toBe(HOSTILE_TITLE);
    expect(await seen.locator('img').count()).toBe(1);
    expect(await voter.evaluate(() => (window as { __injected?: number }).__injected)).toBeUndefined();

    const vote = seen.getByTestId('vote-button');
    expect(await vote.getAttribute('aria-pressed')).toBe('false');
    await vote.click();
    await waitFor('the pressed vote button', async () => (await vote.getAttribute('aria-pressed')) === 'true');
    expect(await seen.getByTestId('vote-count').textContent()).toBe('1');

    await waitFor('the tally in the author page', async () => (await card(author, item.id).getByTestId('vote-count').textContent()) === '1');
    expect(host.gallery.store.visibleItem(item.id)?.votes).toBe(1);
  });

  it('shows an item submitted with fetch', async () => {
    const item = await submitFrom(author, latent(8, 5), 'from fetch');
    await card(voter, item.id).waitFor();
    expect(await card(voter, item.id).getByTestId('gallery-title').textContent()).toBe('from fetch');
  });

  it('removes a vote with a second press', async () => {
    const item = await submitFrom(author, latent(8, 6), 'toggle me');
    const vote = card(voter, item.id).getByTestId('vote-button');
    await vote.click();
    await waitFor('the vote', async () => (await vote.getAttribute('aria-pressed')) === 'true');
    await vote.click();
    await waitFor('the un-vote', async () => (await vote.getAttribute('aria-pressed')) === 'false');
    expect(host.gallery.store.visibleItem(item.id)?.votes).toBe(0);
  });

  it('dispatches latent-select from the Explore button', async () => {
    const z = latent(8, 7);
    const item = await submitFrom(author, z, 'explore me');
    await voter.evaluate(() => {
      window.addEventListener('latent-select', (event) => ((window as { __selected?: unknown }).__selected = (event as CustomEvent).detail));
    });

    await card(voter, item.id).getByTestId('explore-button').click();

    const detail = await voter.evaluate(() => (window as { __selected?: unknown }).__selected);
    expect(detail).toEqual({ z, label: 'explore me' });
  });

  it('opens a share link on the item vector', async () => {
    const z = latent(8, 8);
    const item = await submitFrom(author, z, 'shared');
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.addEventListener('latent-select', (event) => ((window as { __selected?: unknown }).__selected = (event as CustomEvent).detail));
    });

    await page.goto(new URL(`/?item=${item.id}`, host.url).href);

    await waitFor('the selection', async () => (await page.evaluate(() => (window as { __selected?: unknown }).__selected)) !== undefined);
    expect(await page.evaluate(() => (window as { __selected?: unknown }).__selected)).toEqual({ z, label: 'shared' });
  });

  it('removes a hidden item from the page live', async () => {
    const item = await submitFrom(author, latent(8, 9), 'to hide');
    await card(voter, item.id).waitFor();

    host.gallery.setHidden(item.id, true);

    await card(voter, item.id).waitFor({ state: 'detached' });
  });

  it('marks an item of an earlier run', async () => {
    const [stored] = host.gallery.store.insertMany([
      { viewerId: 'earlier-viewer', title: 'from before', z: latent(8, 10), png: host.gallery.store.png(1)!, step: 3, runId: 'an-earlier-run', createdAt: Date.now(), pending: false },
    ]);
    host.gallery.feed.itemsAdded([stored]);

    const earlier = card(voter, stored.id);
    await earlier.waitFor();
    expect(await earlier.getByText('earlier model').count()).toBe(1);
    expect(await card(voter, 1).getByText('earlier model').count()).toBe(0);
  });

  it('switches tabs with the arrow keys', async () => {
    const top = voter.getByTestId('gallery-tab-top');
    await top.focus();
    expect(await top.getAttribute('aria-selected')).toBe('true');

    await voter.keyboard.press('ArrowRight');

    const newest = voter.getByTestId('gallery-tab-new');
    await waitFor('the New tab', async () => (await newest.getAttribute('aria-selected')) === 'true');
    expect(await voter.evaluate(() => document.querySelector('lc-viewer-app')?.shadowRoot?.querySelector('lc-gallery')?.shadowRoot?.activeElement?.id)).toBe('tab-new');
  });
});
