// The viewer dashboard in real Chromium against a real host. Every panel
// updates from the host's frames, and the loss chart's controls and exports
// work. When the host stops, the page shows that it is reconnecting, and it
// recovers once a host listens on the port again.

import { readFile } from 'node:fs/promises';

import type { Browser, Download, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LcLossChart } from '../../client/src/components/lc-loss-chart';
import { tabThrough, unnamedControls } from '../helpers/accessibility';
import { launchChromium } from '../helpers/browser';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

/** A deep model with hidden layers wider than the diagram draws, so wide layers show "…". */
const MODEL = ['--model', 'deep', '--hidden', '32,16', '--latent', '4'];
const LAYER_SIZES = [784, 32, 16, 4, 16, 32, 784];

/** Enough epochs that training outlasts the tests; the host is stopped by the last test. */
const RUN = ['--shapes-count', '1200', '--batch-size', '32', '--epochs', '400', '--recon-every', '10'];
const RATES = ['--topic-rates', 'weights=2,weight-histograms=4,reconstruction-history=4'];

let host: TestHost;
let browser: Browser;
let page: Page;
let chart: Locator;

beforeAll(async () => {
  host = await startTestHost([...RUN, ...MODEL, ...RATES]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(host.url);
  chart = page.getByTestId('loss-chart');
});

afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

async function text(testId: string): Promise<string> {
  return (await page.getByTestId(testId).first().textContent())?.trim() ?? '';
}

/** Returns the first integer in a test id's text, such as 1240 in "Reconstructions at step 1240 (epoch 3)". */
async function numberIn(testId: string): Promise<number> {
  const match = (await text(testId)).replace(/,/g, '').match(/\d+/);
  return match ? Number(match[0]) : NaN;
}

async function attribute(locator: Locator, name: string): Promise<number> {
  return Number(await locator.getAttribute(name));
}

/** Clicks `button` and returns the text of the file it downloads. */
async function downloadOf(button: Locator): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const path = await download.path();
  return { download, bytes: await readFile(path) };
}

/** Runs `action` with training paused, so the values it compares cannot move in between. */
async function whilePaused<T>(action: () => Promise<T>): Promise<T> {
  host.runs.pause();
  await waitFor('the paused state', async () => (await text('status-state')) === 'paused');
  try {
    return await action();
  } finally {
    host.runs.resume();
  }
}

describe('status bar', () => {
  it('shows state, epoch, step, throughput, backend and viewers', async () => {
    await waitFor('the training state', async () => (await text('status-state')) === 'training');
    await waitFor('a step count', async () => (await numberIn('status-step')) > 0);
    await waitFor('a throughput', async () => (await numberIn('status-samples-per-second')) > 0);
    expect(await text('status-epoch')).toMatch(/^\d+ \/ 400$/);
    expect(await text('status-backend')).toBe('wasm');
    expect(await numberIn('status-viewers')).toBeGreaterThanOrEqual(1);
  });

  it('names the architecture in the header', async () => {
    expect(await text('run-model')).toBe(LAYER_SIZES.join('-'));
  });
});

describe('loss chart', () => {
  it('plots training and validation points', async () => {
    await waitFor('a finished epoch on the chart', async () => (await attribute(chart, 'data-validation-points')) >= 1);
    expect(await attribute(chart, 'data-points')).toBeGreaterThan(10);
  });

  it('switches to a log y axis', async () => {
    await page.getByTestId('loss-y-scale-log').check();
    // uPlot numbers a log scale's distribution 3.
    await waitFor('a log y scale', async () => (await chart.evaluate((element) => (element as LcLossChart).uplot?.scales.y.distr)) === 3);
    expect(await chart.getAttribute('y-scale')).toBe('log');
    await page.getByTestId('loss-y-scale-linear').check();
    await waitFor('a linear y scale', async () => (await chart.evaluate((element) => (element as LcLossChart).uplot?.scales.y.distr)) === 1);
  });

  it('switches to a wall-time x axis', async () => {
    const runStartedAt = host.history.status(0).runStartedAt / 1000;
    await page.getByTestId('loss-x-axis-time').check();
    await waitFor('a time x scale', async () => (await chart.evaluate((element) => (element as LcLossChart).uplot?.scales.x.time)) === true);
    const firstX = await chart.evaluate((element) => (element as LcLossChart).uplot!.data[0][0]);
    expect(firstX).toBeGreaterThanOrEqual(runStartedAt);
    expect(firstX).toBeLessThan(Date.now() / 1000);
    await page.getByTestId('loss-x-axis-step').check();
  });

  it('hides the smoothed line at smoothing 0', async () => {
    await page.getByTestId('loss-smoothing').fill('0');
    await waitFor('no smoothed value', async () => (await chart.getByTestId('loss-legend-smoothed').count()) === 0);
    await page.getByTestId('loss-smoothing').fill('0.9');
    await waitFor('a smoothed value', async () => (await chart.getByTestId('loss-legend-smoothed').count()) === 1);
  });

  it('zooms on a drag and resets on a double-click', async () => {
    const over = chart.locator('.u-over');
    const box = (await over.boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 8 });
    await page.mouse.up();
    await waitFor('the reset button', () => page.getByTestId('loss-reset-zoom').isEnabled());

    await over.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
    await waitFor('the zoom reset', () => page.getByTestId('loss-reset-zoom').isDisabled());
  });

  it('zooms from the keyboard', async () => {
    await chart.locator('.plot').focus();
    await page.keyboard.press('+');
    await waitFor('the reset button', () => page.getByTestId('loss-reset-zoom').isEnabled());
    await page.keyboard.press('Escape');
    await waitFor('the zoom reset', () => page.getByTestId('loss-reset-zoom').isDisabled());
  });

  it('exports the losses as CSV', async () => {
    await page.getByTestId('loss-smoothing').fill('0.9');
    const { download, bytes } = await whilePaused(async () => downloadOf(page.getByTestId('loss-export-csv')));
    const [header, ...rows] = bytes.toString('utf8').trim().split('\n');
    const cells = rows.map((row) => row.split(','));

    expect(download.suggestedFilename()).toMatch(/^latentcast-loss-step-\d+\.csv$/);
    expect(header).toBe('step,wall_time,elapsed_seconds,train_loss,smoothed_train_loss,validation_loss');
    expect(cells.every((row) => row.length === 6)).toBe(true);
    expect(cells.map((row) => Number(row[0]))).toEqual(cells.map((row) => Number(row[0])).sort((a, b) => a - b));
    expect(cells[0][1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const validation = cells.filter((row) => row[5] !== '').map((row) => Number(row[5]));
    // The page receives float32 losses, so the host's values are rounded the same way before comparing.
    const hostValidation = host.history.epochs.map((epoch) => Number(Math.fround(epoch.validationLoss).toPrecision(7)));
    expect(validation.length).toBeGreaterThanOrEqual(1);
    expect(validation).toEqual(hostValidation);
  });

  it('exports smoothing as the debiased moving average', async () => {
    await page.getByTestId('loss-smoothing').fill('0.9');
    const { bytes } = await whilePaused(async () => downloadOf(page.getByTestId('loss-export-csv')));
    const rows = bytes.toString('utf8').trim().split('\n').slice(1).map((row) => row.split(',')).filter((row) => row[3] !== '');

    let average = 0;
    rows.forEach((row, i) => {
      average = 0.9 * average + 0.1 * Number(row[3]);
      const expected = average / (1 - 0.9 ** (i + 1));
      expect(Math.abs(Number(row[4]) - expected)).toBeLessThan(1e-5 * Math.max(1, expected));
    });
  });

  it('exports the chart as PNG', async () => {
    const { bytes } = await downloadOf(page.getByTestId('loss-export-png'));
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});

describe('reconstructions', () => {
  it('draws input and output pairs of every probe', async () => {
    await waitFor('reconstructions', async () => (await numberIn('recon-step')) > 0);
    const probes = host.history.probes!.count;
    expect(await page.getByTestId('recon-grid').locator('canvas').count()).toBe(2 * probes);
  });

  it('scrubs back to step 0 and returns to the latest', async () => {
    await waitFor('a few kept reconstructions', async () => (await attribute(page.getByTestId('recon-scrubber'), 'max')) >= 2);
    const scrubber = page.getByTestId('recon-scrubber');
    await scrubber.focus();
    await page.keyboard.press('Home');
    await waitFor('step 0', async () => (await text('recon-step')).startsWith('Reconstructions at step 0 '));
    expect(await page.getByTestId('recon-latest').isEnabled()).toBe(true);

    await page.getByTestId('recon-latest').click();
    await waitFor('a later step', async () => (await numberIn('recon-step')) > 0);
    expect(await page.getByTestId('recon-latest').isDisabled()).toBe(true);
  });

  it('follows new reconstructions at the latest', async () => {
    const first = await numberIn('recon-step');
    await waitFor('a newer reconstruction', async () => (await numberIn('recon-step')) > first);
  });
});

describe('weights', () => {
  it('draws a tile per first-layer unit', async () => {
    const tiles = page.getByTestId('weight-tiles');
    await waitFor('weight tiles', async () => (await tiles.count()) === 1);
    expect(await attribute(tiles, 'data-tiles')).toBe(LAYER_SIZES[1]);
    const colours = await tiles.evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const distinct = new Set<string>();
      for (let i = 0; i < pixels.length; i += 4) distinct.add(`${pixels[i]},${pixels[i + 1]},${pixels[i + 2]}`);
      return distinct.size;
    });
    expect(colours).toBeGreaterThan(50);
  });

  it('redraws the tiles with newer weights', async () => {
    const tiles = page.getByTestId('weight-tiles');
    const first = await attribute(tiles, 'data-step');
    await waitFor('newer weights', async () => (await attribute(tiles, 'data-step')) > first);
  });

  it('draws a histogram strip per kernel, and biases on request', async () => {
    const strips = page.getByTestId('weight-histograms');
    await waitFor('two histogram snapshots', async () => (await strips.count()) === 1 && (await attribute(strips, 'data-snapshots')) >= 2);
    expect(await strips.locator('canvas').count()).toBe(LAYER_SIZES.length - 1);
    await page.getByTestId('histograms-show-biases').check();
    expect(await strips.locator('canvas').count()).toBe(2 * (LAYER_SIZES.length - 1));
  });
});

describe('network diagram', () => {
  it('draws every layer with its unit count', async () => {
    const diagram = page.getByTestId('network-diagram');
    await waitFor('the diagram', async () => (await diagram.count()) === 1);
    expect(await attribute(diagram, 'data-layers')).toBe(LAYER_SIZES.length);
    expect(await text('network-caption')).toContain(LAYER_SIZES.join(' → '));
    expect(await diagram.locator('desc').textContent()).toContain('a latent vector of 4 values');
  });

  it('lights units with the probe image activations', async () => {
    const panel = page.getByTestId('network-panel');
    await waitFor('activations', async () => (await panel.getAttribute('data-activation-step')) !== null, 60_000);
    expect(await attribute(page.getByTestId('network-diagram'), 'data-lit-units')).toBeGreaterThan(0);
  });

  it('keeps the tensor count flat over 20 passes', async () => {
    const panel = page.getByTestId('network-panel');
    const firstStep = await attribute(panel, 'data-activation-step');
    await waitFor('activations of newer weights', async () => (await attribute(panel, 'data-activation-step')) > firstStep);

    // Paused, no new weights reach the page, and each pass writes the same weights again. The first
    // passes are left out, because the explorer may still be finishing work on the last weights then.
    const counts = await whilePaused(async () => {
      const probes = await page.getByTestId('network-probe').locator('option').count();
      const result: number[] = [];
      for (let i = 0; i < 25; i++) {
        const passes = await attribute(panel, 'data-passes');
        await page.getByTestId('network-probe').selectOption(String((i + 1) % probes));
        await waitFor('another pass', async () => (await attribute(panel, 'data-passes')) > passes);
        result.push(await attribute(panel, 'data-tensors'));
      }
      return result.slice(5);
    });
    // The minimum of each end leaves out tensors of a decode still in flight when a count was read,
    // while a leak of one tensor per pass would still raise the later minimum by about 15.
    const early = Math.min(...counts.slice(0, 5));
    const late = Math.min(...counts.slice(-5));
    expect(late).toBe(early);
  });

  it('switches the probe image', async () => {
    await page.getByTestId('network-probe').selectOption('2');
    await waitFor('the new probe in the caption', async () => (await text('network-caption')).endsWith('probe image 3'));
  });
});

describe('layout', () => {
  it('fits a phone to a 4K screen', async () => {
    try {
      for (const [width, height] of [[375, 812], [1280, 720], [3840, 2160]]) {
        await page.setViewportSize({ width, height });
        // The chart fits itself to its panel on the next animation frame after a resize.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        const chart = await page.getByTestId('loss-chart').boundingBox();
        const plot = await page.getByTestId('loss-chart').locator('canvas').first().boundingBox();

        expect(overflow, `horizontal overflow at ${width}×${height}`).toBe(0);
        expect(plot!.x + plot!.width, `chart canvas past its panel at ${width}×${height}`).toBeLessThanOrEqual(chart!.x + chart!.width + 1);
      }
    } finally {
      await page.setViewportSize({ width: 1600, height: 1000 });
    }
  });
});

describe('keyboard and screen readers', () => {
  it('reaches every panel by Tab', async () => {
    const stops = await tabThrough(page, 150);
    const ids = stops.map((stop) => stop.id);

    const controls = ['loss-smoothing', 'loss-y-scale-linear', 'loss-x-axis-step', 'loss-export-csv', 'recon-scrubber', 'network-probe'];
    for (const id of [...controls, 'histograms-show-biases', 'explorer-random', 'latent-slider', 'gallery-tab-top']) expect(ids, id).toContain(id);
    expect(stops.filter((stop) => !stop.ringVisible)).toEqual([]);
  });

  it('names every control', async () => {
    await waitFor('the latent sliders', async () => (await page.getByTestId('latent-slider').count()) > 0, 120_000);
    const snapshot = await page.locator('body').ariaSnapshot();

    expect(unnamedControls(snapshot)).toEqual([]);
    // Screen readers read aria-valuetext, the rounded value, in place of every digit of the float.
    expect(await page.getByTestId('latent-slider').first().getAttribute('aria-valuetext')).toMatch(/^-?\d+(\.\d{1,3})?$/);
  });
});

describe('late joiner', () => {
  it('scrubs back to the start of the run', async () => {
    const late = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await late.goto(host.url);
    const scrubber = late.getByTestId('recon-scrubber');
    await scrubber.waitFor();
    await scrubber.focus();
    await late.keyboard.press('Home');
    await waitFor('step 0', async () => ((await late.getByTestId('recon-step').textContent()) ?? '').startsWith('Reconstructions at step 0 '));
    await late.close();
  });
});

describe('loss chart bounds', () => {
  it('hands uPlot a bounded number of 100k points', async () => {
    const result = await page.evaluate(async () => {
      const element = document.createElement('lc-loss-chart');
      element.style.width = '1200px';
      document.body.append(element);
      const count = 100_000;
      const steps = Float64Array.from({ length: count }, (_, i) => i + 1);
      element.steps = steps;
      element.losses = steps.map((step) => 1 / Math.sqrt(step) + (step % 977 === 0 ? 1 : 0));
      element.elapsedMs = steps.map((step) => step * 10);
      element.runStartedAt = Date.now();
      while (element.getAttribute('data-stored-points') !== String(count)) await new Promise((resolve) => requestAnimationFrame(resolve));
      const plotted = Number(element.getAttribute('data-points'));
      element.remove();
      return { plotted };
    });
    expect(result.plotted).toBeGreaterThan(100);
    expect(result.plotted).toBeLessThanOrEqual(4000);
  });
});

describe('loss chart layout', () => {
  /**
   * Mounts a chart `width` px wide with 100k steps and `epochs` epochs, on a
   * page whose root font is `rootFont` px, and returns its x labels and
   * validation dots.
   */
  async function layoutOf(width: number, epochs: number, rootFont = 16) {
    return page.evaluate(
      async ({ chartWidth, epochCount, rootFontSize }) => {
        const pageFont = document.documentElement.style.fontSize;
        document.documentElement.style.fontSize = `${rootFontSize}px`;
        const element = document.createElement('lc-loss-chart');
        element.style.width = `${chartWidth}px`;
        document.body.append(element);
        const count = 100_000;
        const steps = Float64Array.from({ length: count }, (_, i) => i + 1);
        element.steps = steps;
        element.losses = steps.map((step) => 1 / Math.sqrt(step));
        element.elapsedMs = steps.map((step) => step * 10);
        element.runStartedAt = Date.now();
        const every = count / epochCount;
        element.epochs = Array.from({ length: epochCount }, (_, i) => ({
          epoch: i + 1,
          step: (i + 1) * every,
          trainLoss: 0.3,
          validationLoss: 1 / Math.sqrt((i + 1) * every),
          seconds: 1,
          samplesPerSecond: 1000,
        }));
        while (element.getAttribute('data-stored-points') !== String(count)) await new Promise((resolve) => requestAnimationFrame(resolve));

        const plot = element.uplot!;
        // uPlot keeps the tick values and label texts it drew on the axis object.
        const axis = plot.axes[0] as unknown as { _splits: number[]; _values: (string | null)[]; font: [string, number] };
        const context = document.createElement('canvas').getContext('2d')!;
        context.font = axis.font[0];
        const left = plot.bbox.left / devicePixelRatio;
        const labels = axis._splits
          .map((value, i) => ({ text: axis._values[i], centre: left + plot.valToPos(value, 'x') }))
          .filter((label): label is { text: string; centre: number } => label.text !== null)
          .map((label) => ({ ...label, half: context.measureText(label.text).width / 2 }));
        const gaps = labels.slice(1).map((label, i) => label.centre - label.half - (labels[i].centre + labels[i].half));
        const last = labels.at(-1)!;
        const validation = plot.series[2].points!.show as (self: typeof plot, series: number, first: number, last: number) => boolean;
        const dots = validation(plot, 2, 0, plot.data[0].length - 1);
        element.remove();
        document.documentElement.style.fontSize = pageFont;
        return { labels: labels.length, smallestGap: Math.min(...gaps), overhang: last.centre + last.half - plot.width, dots };
      },
      { chartWidth: width, epochCount: epochs, rootFontSize: rootFont },
    );
  }

  it('keeps x labels apart and inside', async () => {
    // A 4K screen gets the largest root font the viewer page sets, 22 px.
    for (const [width, rootFont] of [[360, 16], [1200, 18], [3000, 22]]) {
      const layout = await layoutOf(width, 10, rootFont);
      expect(layout.labels, `labels at ${width} px`).toBeGreaterThanOrEqual(2);
      expect(layout.smallestGap, `gap between labels at ${width} px`).toBeGreaterThan(0);
      expect(layout.overhang, `last label past the right edge at ${width} px`).toBeLessThanOrEqual(0);
    }
  });

  it('drops validation dots when crowded', async () => {
    expect((await layoutOf(1200, 10)).dots).toBe(true);
    expect((await layoutOf(1200, 400)).dots).toBe(false);
  });
});

describe('connection', () => {
  it('shows reconnecting when the host stops, then recovers', async () => {
    const port = host.port;
    await host.dispose();
    const reconnecting = page.locator('[data-testid="status-connection"][data-connection="reconnecting"]');
    await waitFor('the reconnecting state', async () => (await reconnecting.count()) === 1);

    host = await startTestHost([...RUN, ...MODEL, '--port', String(port)]);
    await waitFor('the live connection', async () => (await page.getByTestId('status-connection').count()) === 0, 60_000);
    await waitFor('the new run', async () => (await text('status-state')) === 'training');
  });
});
