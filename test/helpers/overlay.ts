// Helpers for tests of the OBS overlay page: its state as the page reports
// it, and the built chunks it may load.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { CLIENT_DIST } from '../../server/http/app';

/** What the overlay's host element reports in its data attributes. */
export interface OverlayState {
  connection: string;
  step: number;
  runId: string;
}

export async function overlayState(page: Page): Promise<OverlayState> {
  const data = await page.locator('lc-overlay-app').evaluate((element) => ({ ...(element as HTMLElement).dataset }));
  return { connection: data.connection ?? '', step: Number(data.step ?? NaN), runId: data.runId ?? '' };
}

/** Returns the training steps of the loss points the overlay's store holds. */
export function overlaySteps(page: Page): Promise<number[]> {
  return page.locator('lc-overlay-app').evaluate((element) => Array.from((element as unknown as { store: { steps: Float64Array } }).store.steps));
}

/** Text that appears in the built TensorFlow.js chunk and in no chunk without it. */
const TFJS_MARKER = /@tensorflow\/tfjs|registerKernel/;

/** Names of the built chunks under dist/client/assets that contain TensorFlow.js. */
export function tfjsChunks(): string[] {
  const assets = join(CLIENT_DIST, 'assets');
  return readdirSync(assets).filter((name) => name.endsWith('.js') && TFJS_MARKER.test(readFileSync(join(assets, name), 'utf8')));
}

/**
 * Returns every built JavaScript file a page can load, statically or through
 * `import()`, starting from its HTML file in dist/client, with its size in bytes.
 */
export function chunkGraph(htmlFile: string): Map<string, number> {
  const html = readFileSync(join(CLIENT_DIST, htmlFile), 'utf8');
  const pending = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((match) => match[1]);
  const found = new Map<string, number>();

  while (pending.length > 0) {
    const name = pending.pop()!;
    if (found.has(name)) continue;
    const code = readFileSync(join(CLIENT_DIST, 'assets', name), 'utf8');
    found.set(name, Buffer.byteLength(code));
    // Static imports (`from"./x.js"`, `import"./x.js"`) and dynamic ones (`import("./x.js")`, with any quote).
    for (const match of code.matchAll(/(?:from|import)\s*\(?\s*["'`]\.\/([^"'`]+\.js)["'`]/g)) pending.push(match[1]);
  }
  return found;
}
