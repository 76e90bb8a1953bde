// Takes the README's overlay screenshots: docs/overlay.png (the overlay over
// a made-up coding stream, composited by Chromium through a transparent
// iframe) and docs/overlay-builder.png. It starts its own host on
// 127.0.0.1 with a throwaway state folder and trains a few epochs first.
//
//   npm run build:client && node --import tsx scripts/overlay-screenshots.ts

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
const OVERLAY_QUERY = 'panels=status,loss,recon,latent,gallery&theme=dark&scale=1&accent=4cc2ff';
/** Gallery items submitted before the screenshot, at most one per label. */
const GALLERY_ITEMS = 5;

const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-screenshots-'));
const options = parseHostOptions(['--port', '0', '--state-dir', stateDir, '--shapes-count', '3000', '--epochs', '200', '--lr', '0.005', '--topic-rates', 'latent=1'], {}) as HostOptions;
const host = await startHost(options, pino({ level: 'warn' }));
const browser = await launchChromium();

try {
  // Recognisable reconstructions take a few dozen epochs of the default model.
  await waitUntil('25 epochs and a latent map', () => host.history.epochs.length >= 25 && host.history.latentMap !== null, 300_000);
  await submitGalleryItems();

  // The overlay may only be framed by pages of the host (CSP frame-ancestors 'self'), so the scene gets an
  // address of the host. Playwright fulfils it in the browser, and the host never receives the request.
  const stream = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const sceneUrl = `${host.url}stream-scene.html`;
  await stream.route(sceneUrl, (route) => route.fulfill({ contentType: 'text/html', body: streamScene(`${host.url}overlay?${OVERLAY_QUERY}`) }));
  await stream.goto(sceneUrl);
  const overlay = stream.frameLocator('iframe').locator('lc-overlay-app');
  await waitUntil('the overlay with a latent map', async () => (await overlay.locator('lc-overlay-latent-map canvas').count()) === 1);
  await stream.waitForTimeout(1500);
  await savePng(await stream.screenshot(), 'overlay.png');

  const builder = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await builder.goto(`${host.url}overlay/builder`);
  await builder.waitForTimeout(2500);
  await savePng(await builder.screenshot({ fullPage: true }), 'overlay-builder.png');
  console.log(`wrote ${join(DOCS, 'overlay.png')} and ${join(DOCS, 'overlay-builder.png')}`);
} finally {
  await browser.close();
  await host.close();
  await rm(stateDir, { recursive: true, force: true });
}

/** Writes a screenshot to docs/ with a 256-colour palette, about a fifth of the full-colour size. */
async function savePng(png: Buffer, name: string): Promise<void> {
  await sharp(png).png({ compressionLevel: 9, palette: true, quality: 90 }).toFile(join(DOCS, name));
}

/** Submits the latent code of one validation image per label, titled with its label, each as a new viewer, so the gallery panel has cards. */
async function submitGalleryItems(): Promise<void> {
  const map = host.history.latentMap;
  const labelNames = host.history.status(0).dataset?.labelNames ?? [];
  if (map === null) throw new Error('the host has sent no latent map yet');

  const firstOfLabel = new Map<number, number>();
  map.labels.forEach((label, index) => firstOfLabel.has(label) || firstOfLabel.set(label, index));
  for (const [label, index] of [...firstOfLabel].slice(0, GALLERY_ITEMS)) {
    const z = Array.from(map.codes.subarray(index * map.dims, (index + 1) * map.dims));
    const title = `my ${labelNames[label] ?? 'shape'}`;
    const response = await fetch(new URL('/api/gallery', host.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ z, title }) });
    if (response.status !== 201) throw new Error(`gallery submission failed with HTTP ${response.status}: ${await response.text()}`);
  }
}

/** Returns the HTML of a stand-in stream: an editor with training code and a camera frame, with the overlay on top in a transparent iframe. */
function streamScene(overlayUrl: string): string {
  const code = [
    'const encoder = tf.sequential({ layers: [',
    "  tf.layers.dense({ inputShape: [784], units: 8 }),",
    ']});',
    'const decoder = tf.sequential({ layers: [',
    "  tf.layers.dense({ units: 784, activation: 'sigmoid' }),",
    ']});',
    '',
    '// 784 pixels in, 8 numbers in the middle, 784 pixels out.',
    'const z = encoder.apply(x);',
    'const loss = tf.losses.logLoss(x, decoder.apply(z));',
  ]
    .map((line) => `<div>${line.replace(/&/g, '&amp;').replace(/</g, '&lt;') || '&nbsp;'}</div>`)
    .join('');
  return `<!doctype html><html><body style="margin:0;width:1920px;height:1080px;overflow:hidden;font-family:system-ui,sans-serif;
    background:radial-gradient(circle at 30% 20%,#2b3a55,#101522 60%,#07090f)">
    <div style="position:absolute;left:700px;top:150px;width:740px;height:470px;border-radius:12px;background:#1e1e2e;box-shadow:0 20px 60px rgba(0,0,0,.5);overflow:hidden">
      <div style="height:36px;background:#2a2a3c;color:#9aa6b5;font-size:14px;line-height:36px;padding-left:16px">autoencoder.ts</div>
      <div style="padding:20px 24px;color:#cdd6f4;font:15px/1.7 ui-monospace,monospace;white-space:pre">${code}</div>
    </div>
    <div style="position:absolute;left:900px;top:680px;width:340px;height:250px;border-radius:12px;
      background:linear-gradient(160deg,#6b5b4e,#2c2420);box-shadow:0 10px 40px rgba(0,0,0,.5);display:grid;place-items:center;color:#e8d9c8;font-size:20px">camera</div>
    <iframe src="${overlayUrl}" style="position:absolute;inset:0;width:1920px;height:1080px;border:0;color-scheme:light"></iframe>
  </body></html>`;
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeout = 120_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
