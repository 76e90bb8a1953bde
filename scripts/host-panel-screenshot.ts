// Takes the README's host panel screenshot, docs/host-panel.png: the whole
// page at the width of half a 2560×1600 laptop screen. It shows a run
// restarted with a new latent size, a restart that failed on a missing
// dataset folder, and a gallery with one item awaiting approval. The script
// starts its own host on 127.0.0.1 with a throwaway state folder.
//
//   npm run build:client && node --import tsx scripts/host-panel-screenshot.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pino from 'pino';
import sharp from 'sharp';

import { parseHostOptions } from '../server/cli/options';
import type { HostOptions } from '../server/cli/options';
import { startHost } from '../server/host';
import { launchChromium } from '../test/helpers/browser';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };

const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-screenshots-'));
const options = parseHostOptions(['--port', '0', '--state-dir', stateDir, '--shapes-count', '3000', '--epochs', '40'], {}) as HostOptions;
const host = await startHost(options, pino({ level: 'warn' }));
const browser = await launchChromium();

try {
  // Ten epochs of the default model decode recognisable shapes for the gallery.
  await waitUntil('ten epochs and a latent map', () => host.history.epochs.length >= 10 && host.history.latentMap !== null);
  await submit('wobbly triangle', 0);
  await submit('ghost circle', 1);
  await hostCall('PUT', '/api/host/moderation', { approveBeforePublic: true }, 200);
  await submit('needs a look', 2);

  await hostCall('PATCH', '/api/host/run/settings', { latent: 16 }, 200);
  await waitUntil('a few steps of the new run', () => (host.history.losses.last()?.step ?? 0) > 500, 120_000);
  await hostCall('PATCH', '/api/host/run/settings', { dataset: '/home/streamer/my-sketches' }, 422);

  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(`${host.url}host#token=${host.hostToken.value}`);
  await page.locator('[data-testid="moderation-row"]').first().waitFor();
  await page.getByTestId('host-rejection').waitFor();
  await page.waitForTimeout(1000);
  await sharp(await page.screenshot({ fullPage: true })).png({ compressionLevel: 9, palette: true, quality: 90 }).toFile(join(DOCS, 'host-panel.png'));
  console.log(`wrote ${join(DOCS, 'host-panel.png')}`);
} finally {
  await browser.close();
  await host.close();
  await rm(stateDir, { recursive: true, force: true });
}

/** Submits the latent code of validation image `index` as a new viewer, with `title`. */
async function submit(title: string, index: number): Promise<void> {
  const map = host.history.latentMap!;
  const z = Array.from(map.codes.subarray(index * map.dims, (index + 1) * map.dims));
  const response = await fetch(new URL('/api/gallery', host.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ z, title }) });
  if (response.status !== 201) throw new Error(`gallery submission "${title}" failed with HTTP ${response.status}: ${await response.text()}`);
}

/** Calls the host API with the token and fails unless it returns `expected`. */
async function hostCall(method: string, path: string, body: unknown, expected: number): Promise<void> {
  const headers = { authorization: `Bearer ${host.hostToken.value}`, 'content-type': 'application/json' };
  const response = await fetch(new URL(path, host.url), { method, headers, body: JSON.stringify(body) });
  if (response.status !== expected) throw new Error(`${method} ${path} returned HTTP ${response.status}, expected ${expected}: ${await response.text()}`);
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeout = 120_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
