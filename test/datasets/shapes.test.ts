import { describe, expect, it } from 'vitest';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../shared/training';
import { loadDataset } from '../../server/trainer/datasets/index';
import { StrokeCanvas } from '../../server/trainer/datasets/raster';
import {
  CANVAS_SIZE,
  SHAPE_NAMES,
  generateShapes,
  renderShape,
  type ShapeName,
} from '../../server/trainer/datasets/shapes';
import { DatasetError } from '../../server/trainer/datasets/types';
import { createRandom } from '../../server/trainer/random';

function pixelAt(image: Uint8Array, x: number, y: number): number {
  return image[y * IMAGE_SIZE + x];
}

describe('generateShapes', () => {
  it('repeats the same bytes for one seed', () => {
    const first = generateShapes(120, 0.1, 42);
    const second = generateShapes(120, 0.1, 42);

    expect(second.train.images).toEqual(first.train.images);
    expect(second.train.labels).toEqual(first.train.labels);
    expect(second.validation.images).toEqual(first.validation.images);
  });

  it('differs between seeds', () => {
    const first = generateShapes(120, 0.1, 42);
    const second = generateShapes(120, 0.1, 43);

    expect(second.train.images).not.toEqual(first.train.images);
  });

  it('splits round(count × split) off for validation', () => {
    const dataset = generateShapes(1000, 0.15, 1);

    expect(dataset.info.validationCount).toBe(150);
    expect(dataset.info.trainCount).toBe(850);
    expect(dataset.validation.count).toBe(150);
    expect(dataset.train.count).toBe(850);
    expect(dataset.train.images.length).toBe(850 * IMAGE_PIXELS);
    expect(dataset.train.labels.length).toBe(850);
    expect(dataset.validation.images.length).toBe(150 * IMAGE_PIXELS);
    expect(dataset.validation.labels.length).toBe(150);
  });

  it('keeps at least one validation image', () => {
    const dataset = generateShapes(3, 0.1, 1);

    expect(dataset.validation.count).toBe(1);
    expect(dataset.train.count).toBe(2);
  });

  it('names the labels in label order', () => {
    const dataset = generateShapes(12, 0.5, 1);

    expect(dataset.info.name).toBe('shapes');
    expect(dataset.info.labelNames).toEqual([...SHAPE_NAMES]);
    expect(dataset.info.labelNames).toEqual(expect.arrayContaining(['square', 'circle', 'triangle']));
  });

  it('uses every label equally often', () => {
    const dataset = generateShapes(600, 0.1, 9);
    const counts = new Array(SHAPE_NAMES.length).fill(0);
    for (const split of [dataset.train, dataset.validation]) {
      for (const label of split.labels) {
        counts[label]++;
      }
    }

    expect(counts).toEqual(new Array(SHAPE_NAMES.length).fill(100));
  });

  it('draws bright strokes on black', () => {
    const { train } = generateShapes(200, 0.1, 5);

    for (let i = 0; i < train.count; i++) {
      const image = train.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS);
      expect(Math.max(...image), `image ${i} has no bright pixel`).toBeGreaterThan(127);
      expect(image[0], `image ${i} has a lit corner`).toBe(0);
    }
  });

  it('rejects fewer than two images', () => {
    expect(() => generateShapes(1, 0.1, 1)).toThrow(DatasetError);
    expect(() => generateShapes(1, 0.1, 1)).toThrow(/shapes count 1/);
  });

  it('loads through loadDataset', async () => {
    const dataset = await loadDataset({ dataset: 'shapes', shapesCount: 50, validationSplit: 0.2, seed: 3 });

    expect(dataset.train.count).toBe(40);
    expect(dataset.validation.count).toBe(10);
    expect(dataset.train.images).toEqual(generateShapes(50, 0.2, 3).train.images);
  });
});

describe('renderShape', () => {
  const center = CANVAS_SIZE / 2;

  it.each<ShapeName>(['square', 'circle', 'triangle', 'star'])('leaves the %s hollow', (name) => {
    const image = renderShape({ name, centerX: center, centerY: center, radius: 110, rotation: 0.3 });

    expect(pixelAt(image, 14, 14)).toBe(0);
    expect(Math.max(...image)).toBe(255);
  });

  it('draws a circle as a ring', () => {
    // Radius 100 on the 280-pixel canvas puts the ring 10 image pixels from the
    // centre, with the 16-pixel stroke covering canvas x 232–248.
    const image = renderShape({ name: 'circle', centerX: center, centerY: center, radius: 100, rotation: 0 });

    expect(pixelAt(image, 14, 14)).toBe(0);
    expect(pixelAt(image, 23, 14)).toBeGreaterThan(127);
    expect(pixelAt(image, 24, 14)).toBeGreaterThan(127);
    expect(pixelAt(image, 4, 13)).toBeGreaterThan(127);
    expect(pixelAt(image, 14, 4)).toBeGreaterThan(127);
    expect(pixelAt(image, 27, 14)).toBe(0);
  });

  it('crosses the plus at its centre', () => {
    const image = renderShape({ name: 'plus', centerX: center, centerY: center, radius: 100, rotation: 0 });

    expect(pixelAt(image, 14, 14)).toBeGreaterThan(127);
    expect(pixelAt(image, 20, 20)).toBe(0);
  });
});

describe('StrokeCanvas', () => {
  const halfWeight = 8;

  function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
    const dx = bx - ax;
    const dy = by - ay;
    const lengthSquared = dx * dx + dy * dy;
    const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
    return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
  }

  /** Counts pixels whose coverage disagrees with their centre's distance, ignoring rounding-level ties. */
  function countMismatches(canvas: StrokeCanvas, distanceAt: (x: number, y: number) => number): number {
    let mismatches = 0;
    for (let y = 0; y < canvas.size; y++) {
      for (let x = 0; x < canvas.size; x++) {
        const distance = distanceAt(x + 0.5, y + 0.5);
        if (Math.abs(distance - halfWeight) < 1e-9) {
          continue;
        }
        const expected = distance <= halfWeight ? 1 : 0;
        if (canvas.pixels[y * canvas.size + x] !== expected) {
          mismatches++;
        }
      }
    }
    return mismatches;
  }

  it('matches per-pixel distance for segments', () => {
    const random = createRandom(17);
    const canvas = new StrokeCanvas(120, 2 * halfWeight);

    for (let trial = 0; trial < 50; trial++) {
      // Endpoints may leave the canvas, so clipping is covered too.
      const [ax, ay, bx, by] = Array.from({ length: 4 }, () => random.next() * 140 - 10);
      canvas.clear();
      canvas.strokeSegment(ax, ay, bx, by);

      const mismatches = countMismatches(canvas, (x, y) => distanceToSegment(x, y, ax, ay, bx, by));
      expect(mismatches, `segment (${ax}, ${ay})–(${bx}, ${by})`).toBe(0);
    }
  });

  it('matches per-pixel distance for axis-aligned segments', () => {
    const canvas = new StrokeCanvas(120, 2 * halfWeight);
    for (const [ax, ay, bx, by] of [
      [20.3, 40.7, 90.1, 40.7],
      [55.2, 10.4, 55.2, 100.9],
    ]) {
      canvas.clear();
      canvas.strokeSegment(ax, ay, bx, by);

      const mismatches = countMismatches(canvas, (x, y) => distanceToSegment(x, y, ax, ay, bx, by));
      expect(mismatches, `segment (${ax}, ${ay})–(${bx}, ${by})`).toBe(0);
    }
  });

  it('matches per-pixel distance for circles', () => {
    const random = createRandom(23);
    const canvas = new StrokeCanvas(120, 2 * halfWeight);

    for (let trial = 0; trial < 30; trial++) {
      const cx = random.next() * 120;
      const cy = random.next() * 120;
      const radius = random.next() * 60;
      canvas.clear();
      canvas.strokeCircle(cx, cy, radius);

      const mismatches = countMismatches(canvas, (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - radius));
      expect(mismatches, `circle at (${cx}, ${cy}), radius ${radius}`).toBe(0);
    }
  });

  it('clears everything it drew', () => {
    const canvas = new StrokeCanvas(120, 2 * halfWeight);
    canvas.strokeCircle(60, 60, 40);
    canvas.strokeSegment(0, 0, 119, 119);
    canvas.clear();

    expect(canvas.pixels.every((pixel) => pixel === 0)).toBe(true);
  });

  it('averages blocks when downsampling', () => {
    const canvas = new StrokeCanvas(20, 2 * halfWeight);
    // A vertical stroke of weight 16 centred on x = 8 covers canvas columns 0–15:
    // the whole left block column and 6 of the 10 columns of the right one.
    canvas.strokeSegment(8, -10, 8, 30);
    const target = new Uint8Array(4).fill(99);
    canvas.downsampleInto(10, target, 0);

    expect(Array.from(target)).toEqual([255, 153, 255, 153]);
  });
});
