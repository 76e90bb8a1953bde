// The latent explorer in real Chromium against a real host: decoding and
// encoding in the page, the animations, the gallery submission and the
// latent map. Screenshots go to test-results/explorer/.

import { mkdir } from 'node:fs/promises';

import pino from 'pino';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SnapshotDecoder } from '../../server/gallery/snapshot-decoder';
import { mainThreadTensorFlow } from '../../server/tensorflow/main-thread';
import { shapeSize, topologyInputShape } from '../../shared/model/topology';
import { quantiseSnapshot } from '../../shared/protocol/frames';
import { launchChromium } from '../helpers/browser';
import { denseForward, maxAbsDifference } from '../helpers/dense-forward';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

/** Largest difference allowed between the page's float32 forward pass and the float64 reference, in pixel or latent units. */
const TOLERANCE = 1e-4;

const SCREENSHOT_DIR = 'test-results/explorer';

let host: TestHost;
let browser: Browser;
let page: Page;
let explorer: Locator;

/** What the explorer decoded last, read from the page. */
interface PageDecode {
  vector: number[];
  pixels: number[];
  step: number;
}

beforeAll(async () => {
  // Weights and maps go out several times a second, so new weights reach the page within the test's waits.
  host = await startTestHost([
    ...['--shapes-count', '1200', '--batch-size', '32', '--epochs', '8', '--recon-every', '10'],
    ...['--topic-rates', 'weights=4,latent=4'],
  ]);
  // Training waits until the weights test resumes it, so the first tests see fixed weights and later ones see new weights arrive.
  host.runs.pause();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(host.url);
  explorer = page.getByTestId('explorer');
  await mkdir(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

async function decodeCount(): Promise<number> {
  return Number(await explorer.getAttribute('data-decodes'));
}

async function lastDecode(): Promise<PageDecode | null> {
  return explorer.evaluate((element) => {
    const decoded = (element as unknown as { lastDecode: { vector: number[]; pixels: Float32Array; step: number } | null }).lastDecode;
    return decoded && { vector: [...decoded.vector], pixels: Array.from(decoded.pixels), step: decoded.step };
  });
}

async function currentVector(): Promise<number[]> {
  return explorer.evaluate((element) => (element as unknown as { vector: number[] }).vector);
}

/** Dispatches `latent-select` on the page's window, as the gallery does. */
async function selectVector(detail: { z: number[]; label?: string; slot?: string }): Promise<void> {
  await page.evaluate((eventDetail) => window.dispatchEvent(new CustomEvent('latent-select', { detail: eventDetail })), detail);
}

/** Waits until the page has decoded exactly `vector` and returns that decode. */
async function decodeOf(vector: number[]): Promise<PageDecode> {
  let decoded: PageDecode | null = null;
  await waitFor(`a decode of [${vector.join(', ')}]`, async () => {
    decoded = await lastDecode();
    return decoded !== null && decoded.vector.length === vector.length && decoded.vector.every((value, d) => value === vector[d]);
  });
  return decoded!;
}

async function waitForFinishedRun(): Promise<void> {
  await waitFor('the run to finish', () => host.history.status(0).state === 'finished', 120_000);
  const finalStep = host.history.decoderWeights!.step;
  await waitFor(`the page to decode with the final weights of step ${finalStep}`, async () => Number(await explorer.getAttribute('data-step')) === finalStep);
  const finalMapStep = host.history.latentMap!.step;
  await waitFor(`the page's latent map of step ${finalMapStep}`, async () => {
    const mapStep = await explorer.locator('lc-latent-map').evaluate((element) => (element as unknown as { map: { step: number } | null }).map?.step);
    return mapStep === finalMapStep;
  });
}

function latentSize(): number {
  return shapeSize(topologyInputShape(host.history.decoderWeights!.topology)!);
}

describe('latent explorer against a real host', () => {
  it('loads TensorFlow.js and decodes', async () => {
    await waitFor('a first decode', async () => (await decodeCount()) > 0);
    expect(await explorer.getAttribute('data-backend')).toMatch(/^(webgl|cpu)$/);
    expect(await page.getByTestId('explorer-step').textContent()).toMatch(/Decoded at step \d+/);
  });

  it('shows one slider per latent dimension', async () => {
    expect(await page.getByTestId('latent-slider').count()).toBe(latentSize());
    expect(await page.getByTestId('latent-value').count()).toBe(latentSize());
  });

  it('changes the image when a slider moves', async () => {
    const before = (await lastDecode())!;
    const slider = page.getByTestId('latent-slider').first();
    await slider.focus();
    await page.keyboard.press('End');
    await waitFor('a decode of the moved slider', async () => (await lastDecode())!.vector[0] !== before.vector[0]);

    const after = (await lastDecode())!;
    expect(after.vector[0]).toBeGreaterThan(before.vector[0]);
    expect(maxAbsDifference(after.pixels, before.pixels)).toBeGreaterThan(1e-3);
  });

  it('accepts an exact value in the number field', async () => {
    const field = page.getByTestId('latent-value').nth(1);
    await field.fill('0.25');
    await field.press('Enter');
    await waitFor('the typed value', async () => (await currentVector())[1] === 0.25);
  });

  it('decodes again when new weights arrive', async () => {
    const first = Number(await explorer.getAttribute('data-step'));
    host.runs.resume();
    await waitFor('a decode with newer weights', async () => Number(await explorer.getAttribute('data-step')) > first);
    expect(await page.getByTestId('explorer-step').textContent()).toContain(`Decoded at step ${await explorer.getAttribute('data-step')}`);
  });

  it('random walk moves the vector and pauses', async () => {
    const walk = page.getByTestId('explorer-walk');
    await walk.click();
    expect(await walk.getAttribute('aria-pressed')).toBe('true');

    const start = await currentVector();
    await page.waitForTimeout(600);
    const moved = await currentVector();
    expect(maxAbsDifference(moved, start)).toBeGreaterThan(1e-3);
    const decodes = await decodeCount();
    await waitFor('decodes that follow the walk', async () => (await decodeCount()) > decodes + 3);

    await walk.click();
    expect(await walk.getAttribute('aria-pressed')).toBe('false');
    const paused = await currentVector();
    await page.waitForTimeout(400);
    expect(await currentVector()).toEqual(paused);
  });

  it('random picks a vector within the slider ranges', async () => {
    const before = await currentVector();
    await page.getByTestId('explorer-random').click();
    const after = await currentVector();
    expect(after).not.toEqual(before);

    const ranges = await page.getByTestId('latent-slider').evaluateAll((inputs) =>
      inputs.map((input) => ({ min: Number((input as HTMLInputElement).min), max: Number((input as HTMLInputElement).max) })),
    );
    after.forEach((value, d) => {
      expect(value).toBeGreaterThanOrEqual(ranges[d].min);
      expect(value).toBeLessThanOrEqual(ranges[d].max);
    });
  });

  it('loads a vector from a latent-select event', async () => {
    const z = Array.from({ length: latentSize() }, (_, d) => 0.5 + d / 10);
    await selectVector({ z, label: 'a gallery item' });
    await decodeOf(z);
    expect(await page.getByTestId('explorer-source').textContent()).toContain('a gallery item');
    expect(await page.getByTestId('latent-value').first().inputValue()).toBe('0.5');
  });

  it('rejects a latent-select vector of the wrong size', async () => {
    const before = await currentVector();
    await selectVector({ z: [1, 2], label: 'too short' });
    await waitFor('the notice', async () => (await page.getByTestId('explorer-notice').count()) > 0);
    expect(await page.getByTestId('explorer-notice').textContent()).toContain(`has 2 values, but this model's latent has ${latentSize()}`);
    expect(await currentVector()).toEqual(before);
  });

  it('morphs between slots A and B', async () => {
    const a = Array.from({ length: latentSize() }, () => 0.2);
    const b = Array.from({ length: latentSize() }, (_, d) => 1 + d / 4);
    await selectVector({ z: a, slot: 'A' });
    await selectVector({ z: b, slot: 'B', label: 'the end' });

    const scrubber = page.getByTestId('morph-scrubber');
    await waitFor('the scrubber to enable', () => scrubber.isEnabled());
    await scrubber.focus();
    await page.keyboard.press('End');
    await decodeOf(b);
    await page.keyboard.press('Home');
    await decodeOf(a);

    // Halfway along the straight line.
    await scrubber.fill('0.5');
    await waitFor('the morph midpoint', async () => {
      const vector = await currentVector();
      return vector.every((value, d) => Math.abs(value - (a[d] + b[d]) / 2) < 1e-9);
    });
  });

  it('plays the morph and pauses it', async () => {
    const play = page.getByTestId('morph-play');
    await play.click();
    expect(await play.getAttribute('aria-pressed')).toBe('true');
    const start = await currentVector();
    await page.waitForTimeout(500);
    expect(maxAbsDifference(await currentVector(), start)).toBeGreaterThan(1e-3);

    await play.click();
    expect(await play.getAttribute('aria-pressed')).toBe('false');
    const paused = await currentVector();
    await page.waitForTimeout(300);
    expect(await currentVector()).toEqual(paused);
  });

  it('loads a code by clicking the latent map', async () => {
    // A map that arrived between reading a point and clicking it would hold other codes.
    await waitForFinishedRun();
    const map = explorer.locator('lc-latent-map');
    const canvas = page.getByTestId('latent-map-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const target = await map.evaluate((element) => {
      const mapElement = element as unknown as {
        map: { dims: number; codes: Float32Array };
        screenPoints(): { x: number; y: number }[];
      };
      const points = mapElement.screenPoints();
      const index = Math.floor(points.length / 2);
      return { ...points[index], code: Array.from(mapElement.map.codes.subarray(index * mapElement.map.dims, (index + 1) * mapElement.map.dims)) };
    });

    await canvas.click({ position: { x: target.x, y: target.y } });
    const vector = await currentVector();
    // A click picks the nearest point, which may be another point drawn at the same spot.
    const codes = await mapCodes(map);
    expect(codes.some((code) => code.every((value, d) => value === vector[d]))).toBe(true);
    expect(maxAbsDifference(vector, target.code)).toBeLessThan(0.5);
  });

  it('moves through the map by keyboard', async () => {
    await waitForFinishedRun();
    const map = explorer.locator('lc-latent-map');
    const canvas = page.getByTestId('latent-map-canvas');
    await canvas.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');

    const focused = await map.evaluate((element) => (element as unknown as { focusedIndex: number | null }).focusedIndex);
    expect(focused).not.toBeNull();
    const codes = await mapCodes(map);
    await waitFor('the focused code in the sliders', async () => {
      const vector = await currentVector();
      return codes[focused!].every((value, d) => value === vector[d]);
    });
    expect(await map.locator('[role="status"]').textContent()).toMatch(/point \d+ of \d+/);
  });

  it('shows the error of a rejected submission', async () => {
    let body: unknown = null;
    await page.route('**/api/gallery', async (route) => {
      body = route.request().postDataJSON();
      await route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ error: '"title" has 90 characters; the limit is 80' }) });
    });
    await page.getByTestId('explorer-title').fill('a very long title');
    await page.getByTestId('explorer-submit').click();

    const message = page.getByTestId('explorer-submit-message');
    await waitFor('the error message', async () => ((await message.textContent()) ?? '').includes('limit is 80'));
    expect(await message.textContent()).toContain('HTTP 422');
    expect(body).toEqual({ z: await currentVector(), title: 'a very long title' });
    await page.unroute('**/api/gallery');
  });

  it('confirms an accepted submission', async () => {
    await page.route('**/api/gallery', (route) => route.fulfill({ status: 201, contentType: 'application/json', body: '{"id": 1}' }));
    await page.getByTestId('explorer-title').fill('');
    await page.getByTestId('explorer-submit').click();
    const message = page.getByTestId('explorer-submit-message');
    await waitFor('the confirmation', async () => ((await message.textContent()) ?? '').includes('Submitted to the gallery'));
    await page.unroute('**/api/gallery');
  });

  it('submits to the host gallery', async () => {
    await waitForFinishedRun();
    await page.getByTestId('explorer-title').fill('from the explorer test');
    await page.getByTestId('explorer-submit').click();
    const message = page.getByTestId('explorer-submit-message');
    await waitFor('the confirmation', async () => ((await message.textContent()) ?? '').includes('Submitted “from the explorer test”'));

    const response = await fetch(new URL('api/gallery?sort=new', host.url));
    const { items } = (await response.json()) as { items: { title: string | null; z: number[] }[] };
    const item = items.find((candidate) => candidate.title === 'from the explorer test');
    expect(item?.z).toEqual(await currentVector());
  });

  it('decodes like the reference pass and the gallery', async () => {
    await waitForFinishedRun();
    const weights = quantiseSnapshot(host.history.decoderWeights!);
    const z = Array.from({ length: latentSize() }, (_, d) => (d % 3) * 0.7 + 0.1);
    await selectVector({ z, label: 'reference' });

    const decoded = await decodeOf(z);
    expect(decoded.step).toBe(weights.step);
    expect(maxAbsDifference(decoded.pixels, denseForward(weights, z))).toBeLessThan(TOLERANCE);

    // The gallery's decoder on the host's main thread, which this test process runs, with the same weights.
    const gallery = new SnapshotDecoder(async () => (await mainThreadTensorFlow(pino({ level: 'silent' }))).tf);
    const stored = await gallery.decode(weights, Float32Array.from(z), 1);
    gallery.dispose();
    // A byte is the pixel rounded to 1/255, so the page's value lies within half a level of it.
    expect(maxAbsDifference(decoded.pixels.map((value) => value * 255), stored)).toBeLessThan(0.5 + 255 * TOLERANCE);
  });

  it('keeps the tensor count flat over 200 decodes', async () => {
    await waitForFinishedRun();
    const counts = await explorer.evaluate(async (element, dims) => {
      const decodes = () => Number(element.dataset.decodes);
      const tensors: number[] = [];
      for (let i = 0; i < 200; i++) {
        const before = decodes();
        const z = Array.from({ length: dims }, (_, d) => Math.abs(Math.sin(i * 0.37 + d)));
        window.dispatchEvent(new CustomEvent('latent-select', { detail: { z, label: `decode ${i}` } }));
        while (decodes() === before) await new Promise((resolve) => requestAnimationFrame(resolve));
        tensors.push(Number(element.dataset.tensors));
      }
      return tensors;
    }, latentSize());

    expect(counts).toHaveLength(200);
    expect(Math.max(...counts)).toBe(counts[0]);
    expect(Math.min(...counts)).toBe(counts[0]);
  });

  it('encodes a drawing like the reference forward pass', async () => {
    await waitForFinishedRun();
    const canvas = page.getByTestId('draw-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const before = await currentVector();

    // A circle of radius 0.3 of the pad, drawn in 40 moves.
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5);
    await page.mouse.down();
    for (let i = 1; i <= 40; i++) {
      const angle = (i / 40) * 2 * Math.PI;
      await page.mouse.move(box.x + box.width * (0.5 + 0.3 * Math.cos(angle)), box.y + box.height * (0.5 + 0.3 * Math.sin(angle)));
    }
    await page.mouse.up();

    await waitFor('the encoding of the drawing', async () => ((await page.getByTestId('explorer-source').textContent()) ?? '').includes('your drawing'));
    const pad = explorer.locator('lc-draw-pad');
    expect(await pad.evaluate((element) => (element as unknown as { inkedPixels: number }).inkedPixels)).toBeGreaterThan(40);

    const pixels = await pad.evaluate((element) => Array.from((element as unknown as { pixels: Float32Array }).pixels));
    const reference = denseForward(quantiseSnapshot(host.history.encoderWeights!), pixels);
    await waitFor('the vector of the finished drawing', async () => maxAbsDifference(await currentVector(), reference) < TOLERANCE);
    expect(await currentVector()).not.toEqual(before);
  });

  it('encodes a probe picked by keyboard', async () => {
    const picker = page.getByTestId('draw-probe');
    await picker.focus();
    await picker.selectOption('1');
    await waitFor('the encoding of the probe', async () => ((await page.getByTestId('explorer-source').textContent()) ?? '').includes('probe 2'));
    const pixels = await explorer.locator('lc-draw-pad').evaluate((element) => Array.from((element as unknown as { pixels: Float32Array }).pixels));
    expect(pixels.some((value) => value > 0.5)).toBe(true);
  });

  it('denoises like the reference encode and decode', async () => {
    await waitForFinishedRun();
    const view = explorer.locator('lc-denoise-view');
    await page.getByTestId('denoise-noise').fill('0.5');

    const encoder = quantiseSnapshot(host.history.encoderWeights!);
    const decoder = quantiseSnapshot(host.history.decoderWeights!);
    await waitFor('the output for the noisier image', async () => {
      const state = await view.evaluate((element) => {
        const denoise = element as unknown as { noise: number; noisy: Float32Array | null; output: Float32Array | null };
        return { noise: denoise.noise, noisy: denoise.noisy && Array.from(denoise.noisy), output: denoise.output && Array.from(denoise.output) };
      });
      if (state.noise !== 0.5 || state.noisy === null || state.output === null) return false;
      return maxAbsDifference(state.output, denseForward(decoder, denseForward(encoder, state.noisy))) < TOLERANCE;
    });
  });

  it('fits 1280×720 and a phone screen', async () => {
    await page.getByTestId('explorer-random').click();
    await page.evaluate(() => document.querySelector('lc-viewer-app')?.shadowRoot?.querySelector('.explorer')?.scrollIntoView());
    await page.screenshot({ path: `${SCREENSHOT_DIR}/explorer-1280x720.png` });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => document.querySelector('lc-viewer-app')?.shadowRoot?.querySelector('.explorer')?.scrollIntoView());
    await page.screenshot({ path: `${SCREENSHOT_DIR}/explorer-phone.png` });
    await page.screenshot({ path: `${SCREENSHOT_DIR}/viewer-phone-full.png`, fullPage: true });

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});

describe('latent explorer without WebGL', () => {
  it('falls back to the CPU backend and says so', async () => {
    // Chromium's --disable-webgl leaves WebGL on OffscreenCanvas, which TensorFlow.js uses, so every WebGL context
    // type (webgl2, webgl, experimental-webgl) is refused on both canvas kinds instead.
    const other = await browser.newPage();
    try {
      await other.addInitScript(() => {
        for (const prototype of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype] as { getContext: (type: string, ...rest: unknown[]) => unknown }[]) {
          const getContext = prototype.getContext;
          prototype.getContext = function (this: unknown, type: string, ...rest: unknown[]) {
            return type.includes('webgl') ? null : getContext.call(this, type, ...rest);
          };
        }
      });
      await other.goto(host.url);
      const otherExplorer = other.getByTestId('explorer');
      await waitFor('a decode on the CPU', async () => Number(await otherExplorer.getAttribute('data-decodes')) > 0);
      expect(await otherExplorer.getAttribute('data-backend')).toBe('cpu');
      expect(await other.getByTestId('explorer-step').textContent()).toContain('CPU backend (WebGL is unavailable)');
    } finally {
      await other.close();
    }
  });
});

async function mapCodes(map: Locator): Promise<number[][]> {
  return map.evaluate((element) => {
    const { dims, count, codes } = (element as unknown as { map: { dims: number; count: number; codes: Float32Array } }).map;
    return Array.from({ length: count }, (_, i) => Array.from(codes.subarray(i * dims, (i + 1) * dims)));
  });
}
