// Takes the README's dashboard screenshots: starts a host on 127.0.0.1 that
// trains the deep model on MNIST, lets it run for two epochs, and captures
// the viewer page in Chromium at 1920×1080 and at a phone's 390×844.
//
//   npm run build:client && node --import tsx scripts/dashboard-screenshots.ts [--out docs]
//
// `--dataset shapes --epochs 1 --full-page` gives a quick look at the whole
// page while working on it; an MNIST epoch takes minutes on two busy cores.
// CHROMIUM_PATH overrides Debian's /usr/bin/chromium, as in the tests.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import pino from 'pino';

import { parseHostOptions } from '../server/cli/options';
import type { HostOptions } from '../server/cli/options';
import { startHost } from '../server/host';
import { launchChromium } from '../test/helpers/browser';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs' },
    epochs: { type: 'string', default: '2' },
    dataset: { type: 'string', default: 'mnist' },
    'full-page': { type: 'boolean', default: false },
  },
});
const epochsToWait = Number(values.epochs);

const VIEWPORTS = [
  { file: 'dashboard.png', width: 1920, height: 1080, mobile: false },
  { file: 'dashboard-phone.png', width: 390, height: 844, mobile: true },
];

const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-screenshots-'));
const flags = ['--port', '0', '--state-dir', stateDir, '--dataset', values.dataset!, '--model', 'deep', '--epochs', '20', '--recon-every', '200'];
const host = await startHost(parseHostOptions(flags, {}) as HostOptions, pino({ level: 'warn' }));
const browser = await launchChromium();

// Ctrl+C while waiting for the epochs still closes Chromium and the host, and removes the state folder.
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await browser.close();
  await host.close();
  await rm(stateDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(130)));

try {
  console.log(`host at ${host.url}; waiting for ${epochsToWait} epochs`);
  await until(() => host.history.epochs.length >= epochsToWait, 15 * 60_000);

  for (const viewport of VIEWPORTS) {
    const page = await browser.newPage({ viewport: { width: viewport.width, height: viewport.height }, isMobile: viewport.mobile, hasTouch: viewport.mobile });
    await page.goto(host.url);
    // The activations need TensorFlow.js, which the page loads after its first paint.
    await page.getByTestId('network-panel').and(page.locator('[data-activation-step]')).waitFor({ timeout: 60_000 });
    await page.getByTestId('loss-chart').and(page.locator('[data-validation-points]')).waitFor();
    await page.waitForTimeout(1000);
    const path = join(values.out!, viewport.file);
    await page.screenshot({ path, fullPage: values['full-page'] });
    console.log(`wrote ${path}`);
    await page.close();
  }
} finally {
  await stop();
}

/** Polls `condition` once a second until it holds, or throws after `timeout` ms. */
async function until(condition: () => boolean, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
