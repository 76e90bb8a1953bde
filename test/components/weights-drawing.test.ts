// The pure parts of the weight panels: which kernel becomes tiles, how its
// values are indexed and coloured, and how histogram strips are drawn.

import { describe, expect, it } from 'vitest';

import { drawHistogramStrip, heatColor, tensorRange } from '../../client/src/components/histogram-strip';
import { divergingColor, drawTiles, firstLayerTiles, gridColumns, maxMagnitude } from '../../client/src/components/weight-tiles';
import type { WeightHistogramEntry } from '../../shared/protocol/frames';
import type { ModelSnapshot, WeightTensor } from '../../shared/training';

function tensor(name: string, shape: number[], value: (index: number) => number): WeightTensor {
  const size = shape.reduce((product, dim) => product * dim, 1);
  return { name, shape, values: Float32Array.from({ length: size }, (_, i) => value(i)) };
}

function snapshot(...weights: WeightTensor[]): ModelSnapshot {
  return { step: 1, topology: {}, weights };
}

/** Returns an ImageData stand-in, because Node has no canvas. */
function imageData(width: number, height: number): ImageData {
  return { width, height, data: new Uint8ClampedArray(width * height * 4), colorSpace: 'srgb' } as ImageData;
}

describe('firstLayerTiles', () => {
  it('reads a dense kernel as one 28x28 tile per unit', () => {
    // Value = pixel index × 10 + unit, so both can be checked.
    const tiles = firstLayerTiles(snapshot(tensor('dense_Dense1/kernel', [784, 3], (i) => Math.floor(i / 3) * 10 + (i % 3)), tensor('dense_Dense1/bias', [3], () => 0)))!;
    expect(tiles).toMatchObject({ kind: 'dense', name: 'dense_Dense1/kernel', width: 28, height: 28, count: 3 });
    expect(tiles.value(2, 5, 1)).toBe((1 * 28 + 5) * 10 + 2);
  });

  it('reads a convolution kernel as one tile per filter', () => {
    // Shape [3, 3, 2, 4]: value = ((y × 3 + x) × 2 + channel) × 4 + filter.
    const tiles = firstLayerTiles(snapshot(tensor('conv2d_Conv2D1/kernel', [3, 3, 2, 4], (i) => i)))!;
    expect(tiles).toMatchObject({ kind: 'conv', width: 3, height: 3, count: 4, channels: 2 });
    expect(tiles.value(1, 2, 1)).toBe(((1 * 3 + 2) * 2 + 0) * 4 + 1);
  });

  it('skips kernels that do not see the image', () => {
    const tiles = firstLayerTiles(snapshot(tensor('latent/kernel', [8, 16], () => 0), tensor('dense/kernel', [784, 16], () => 0)));
    expect(tiles?.name).toBe('dense/kernel');
  });

  it('returns null without a kernel on the image', () => {
    expect(firstLayerTiles(snapshot(tensor('dense/kernel', [8, 784], () => 0)))).toBeNull();
  });
});

describe('tile colours', () => {
  it('maps 0 to white and the ends to blue and red', () => {
    expect(divergingColor(0, 1)).toEqual([255, 255, 255]);
    expect(divergingColor(-1, 1)).toEqual([33, 102, 172]);
    expect(divergingColor(2, 1)).toEqual([178, 24, 43]);
  });

  it('scales tiles by the largest magnitude', () => {
    const tiles = firstLayerTiles(snapshot(tensor('k', [784, 2], (i) => (i === 1 ? -4 : 1))))!;
    expect(maxMagnitude(tiles, null)).toBe(4);
    expect(maxMagnitude(tiles, 0)).toBe(1);
  });

  it('draws each tile in its grid cell with a 1-pixel gap', () => {
    const tiles = firstLayerTiles(snapshot(tensor('k', [784, 2], (i) => (i % 2 === 0 ? 1 : -1))))!;
    const image = imageData(2 * 29 - 1, 28);
    drawTiles(image, tiles, 2, 1);
    const pixel = (x: number) => Array.from(image.data.subarray(x * 4, x * 4 + 3));
    expect(pixel(0)).toEqual([178, 24, 43]);
    expect(pixel(28)).toEqual([0, 0, 0]);
    expect(pixel(29)).toEqual([33, 102, 172]);
  });

  it('lays tiles out about twice as wide as tall', () => {
    expect(gridColumns(8)).toBe(4);
    expect(gridColumns(256)).toBe(23);
    expect(gridColumns(1)).toBe(1);
  });
});

describe('histogram strips', () => {
  const entries: WeightHistogramEntry[] = [
    { step: 0, tensors: [{ min: -1, max: 1, shares: Uint16Array.from([0, 65535]) }] },
    { step: 10, tensors: [{ min: -2, max: 0, shares: Uint16Array.from([65535, 0]) }] },
  ];

  it('spans every entry of a tensor', () => {
    expect(tensorRange(entries, 0)).toEqual({ min: -2, max: 1 });
  });

  it('draws each entry as a column with its densest bin brightest', () => {
    const image = imageData(2, 3);
    drawHistogramStrip(image, entries, 0, { min: -2, max: 1 });
    const pixel = (x: number, y: number) => Array.from(image.data.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 3));
    // Rows are the values 0.5, -0.5 and -1.5 from top to bottom.
    expect(pixel(0, 0)).toEqual(heatColor(1));
    expect(pixel(0, 2)).toEqual(heatColor(0));
    expect(pixel(1, 2)).toEqual(heatColor(1));
    expect(pixel(1, 0)).toEqual(heatColor(0));
  });
});
