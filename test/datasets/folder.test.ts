import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

import sharp, { type Sharp } from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../shared/training';
import { hasLightBackground, readTrainingImage } from '../../server/trainer/datasets/image-file';
import { loadDataset } from '../../server/trainer/datasets/index';
import { DatasetError, type DatasetOptions } from '../../server/trainer/datasets/types';
import { createRandom } from '../../server/trainer/random';

type Rgb = [number, number, number];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const CREAM: Rgb = [246, 241, 228];
const NAVY: Rgb = [27, 31, 58];

/** Returns raw RGB pixels of a thick plus sign centred on a plain background. */
function plusPixels(width: number, height: number, background: Rgb, ink: Rgb): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  const halfThickness = Math.max(1, Math.round(Math.min(width, height) * 0.1));
  const centerX = width / 2;
  const centerY = height / 2;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const onBar = Math.abs(x + 0.5 - centerX) < halfThickness || Math.abs(y + 0.5 - centerY) < halfThickness;
      const inside = Math.abs(x + 0.5 - centerX) < width * 0.3 && Math.abs(y + 0.5 - centerY) < height * 0.3;
      pixels.set(onBar && inside ? ink : background, (y * width + x) * 3);
    }
  }
  return pixels;
}

function plusImage(width: number, height: number, background: Rgb, ink: Rgb): Sharp {
  return sharp(plusPixels(width, height, background, ink), { raw: { width, height, channels: 3 } });
}

function pixelAt(image: Uint8Array, x: number, y: number): number {
  return image[y * IMAGE_SIZE + x];
}

function imageAt(images: Uint8Array, index: number): Uint8Array {
  return images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS);
}

describe('image folder', () => {
  let directory: string;
  let warnings: Array<{ message: string; file?: string }>;

  const options = (overrides: Partial<DatasetOptions> = {}): DatasetOptions => ({
    dataset: directory,
    shapesCount: 0,
    validationSplit: 0.25,
    seed: 1,
    onWarning: (message, file) => warnings.push({ message, file }),
    ...overrides,
  });

  async function loadError(overrides: Partial<DatasetOptions> = {}): Promise<DatasetError> {
    const error = await loadDataset(options(overrides)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'latentcast-folder-'));
    warnings = [];
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('loads PNG, JPEG and WebP files', async () => {
    await plusImage(100, 60, WHITE, BLACK).png().toFile(join(directory, 'a.png'));
    await plusImage(40, 40, BLACK, WHITE).jpeg({ quality: 95 }).toFile(join(directory, 'b.jpg'));
    await plusImage(900, 600, CREAM, NAVY).webp({ lossless: true }).toFile(join(directory, 'c.webp'));
    await plusImage(20, 50, [200, 40, 40], [250, 250, 120]).jpeg({ quality: 95 }).toFile(join(directory, 'd.JPEG'));

    const dataset = await loadDataset(options());

    expect(warnings).toEqual([]);
    expect(dataset.info.name).toBe(basename(directory));
    expect(dataset.info.labelNames).toEqual(['image']);
    expect(dataset.train.count + dataset.validation.count).toBe(4);
    expect(dataset.validation.count).toBe(1);
    expect(dataset.train.images.length).toBe(3 * IMAGE_PIXELS);
    expect(dataset.validation.images.length).toBe(IMAGE_PIXELS);
    expect(Array.from(dataset.train.labels)).toEqual([0, 0, 0]);

    for (const [split, images] of [
      ['train', dataset.train.images],
      ['validation', dataset.validation.images],
    ] as const) {
      for (let i = 0; i < images.length / IMAGE_PIXELS; i++) {
        const image = imageAt(images, i);
        expect(pixelAt(image, 14, 14), `${split} image ${i}: stroke at the centre`).toBeGreaterThan(200);
        expect(pixelAt(image, 0, 0), `${split} image ${i}: background in the corner`).toBeLessThan(40);
      }
    }
  });

  it('inverts dark strokes on a light background', async () => {
    const file = join(directory, 'dark-on-light.png');
    await plusImage(56, 56, WHITE, BLACK).png().toFile(file);
    const image = await readTrainingImage(file);

    expect(pixelAt(image, 14, 14)).toBe(255);
    expect(pixelAt(image, 2, 2)).toBe(0);
  });

  it('keeps light strokes on a dark background', async () => {
    const file = join(directory, 'light-on-dark.png');
    await plusImage(56, 56, BLACK, WHITE).png().toFile(file);
    const image = await readTrainingImage(file);

    expect(pixelAt(image, 14, 14)).toBe(255);
    expect(pixelAt(image, 2, 2)).toBe(0);
  });

  it('turns a tinted background black', async () => {
    const file = join(directory, 'tinted.png');
    await plusImage(56, 56, [200, 40, 40], [250, 250, 120]).png().toFile(file);
    const image = await readTrainingImage(file);

    expect(pixelAt(image, 2, 2)).toBe(0);
    expect(pixelAt(image, 14, 14)).toBeGreaterThan(200);
  });

  it('letterboxes a wide image', async () => {
    // A full-width bar 10 pixels high: stretched to 28 × 28 it would be over
    // 5 rows thick, letterboxed it is under 2.
    const width = 200;
    const height = 50;
    const pixels = new Uint8Array(width * height).fill(255);
    pixels.fill(0, 20 * width, 30 * width);
    const file = join(directory, 'wide.png');
    await sharp(pixels, { raw: { width, height, channels: 1 } }).png().toFile(file);

    const image = await readTrainingImage(file);
    const litRows = Array.from({ length: IMAGE_SIZE }, (_, y) => pixelAt(image, 14, y)).filter((value) => value > 127);

    expect(litRows.length).toBeGreaterThanOrEqual(1);
    expect(litRows.length).toBeLessThanOrEqual(2);
    expect(pixelAt(image, 14, 3)).toBe(0);
  });

  it('flattens dark ink on transparency', async () => {
    const width = 60;
    const height = 60;
    const rgb = plusPixels(width, height, WHITE, BLACK);
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const isInk = rgb[i * 3] === 0;
      rgba.set(isInk ? [0, 0, 0, 255] : [0, 0, 0, 0], i * 4);
    }
    const file = join(directory, 'transparent.png');
    await sharp(rgba, { raw: { width, height, channels: 4 } }).png().toFile(file);

    const image = await readTrainingImage(file);

    expect(pixelAt(image, 14, 14)).toBe(255);
    expect(pixelAt(image, 0, 0)).toBe(0);
  });

  it('skips a broken image with a warning', async () => {
    await plusImage(40, 40, WHITE, BLACK).png().toFile(join(directory, 'good.png'));
    await plusImage(40, 40, BLACK, WHITE).png().toFile(join(directory, 'good2.png'));
    const random = createRandom(4);
    await writeFile(join(directory, 'broken.png'), Uint8Array.from({ length: 500 }, () => random.int(256)));

    const dataset = await loadDataset(options());

    expect(dataset.train.count + dataset.validation.count).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].file).toBe(join(directory, 'broken.png'));
    expect(warnings[0].message).toMatch(/^skipped .*broken\.png: /);
  });

  it('ignores other files without warning', async () => {
    await plusImage(40, 40, WHITE, BLACK).png().toFile(join(directory, 'one.png'));
    await plusImage(40, 40, WHITE, BLACK).png().toFile(join(directory, 'two.PNG'));
    await writeFile(join(directory, 'notes.txt'), 'not an image');
    await mkdir(join(directory, 'nested'));

    const dataset = await loadDataset(options());

    expect(dataset.train.count + dataset.validation.count).toBe(2);
    expect(warnings).toEqual([]);
  });

  it('reuses a single image for validation', async () => {
    await plusImage(40, 40, WHITE, BLACK).png().toFile(join(directory, 'only.png'));

    const dataset = await loadDataset(options());

    expect(dataset.info.trainCount).toBe(1);
    expect(dataset.info.validationCount).toBe(1);
    expect(dataset.validation.images).toEqual(dataset.train.images);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('validation reuses the training image');
  });

  it('splits at random, fixed by the seed', async () => {
    // Each image has a plus sign of a different size, so the splits can be compared.
    for (let i = 0; i < 10; i++) {
      await plusImage(30 + 4 * i, 30 + 4 * i, WHITE, BLACK).png().toFile(join(directory, `image-${i}.png`));
    }

    const first = await loadDataset(options({ validationSplit: 0.2, seed: 7 }));
    const again = await loadDataset(options({ validationSplit: 0.2, seed: 7 }));
    const other = await loadDataset(options({ validationSplit: 0.2, seed: 8 }));

    expect(first.train.count).toBe(8);
    expect(first.validation.count).toBe(2);
    expect(again.train.images).toEqual(first.train.images);
    expect(again.validation.images).toEqual(first.validation.images);
    expect(other.train.images).not.toEqual(first.train.images);
  });

  it('rejects an empty folder', async () => {
    const error = await loadError();

    expect(error.message).toContain(`folder "${directory}" contains no images`);
    expect(error.message).toContain('.png, .jpg, .jpeg, .webp');
  });

  it('rejects a folder of other files', async () => {
    await writeFile(join(directory, 'notes.txt'), 'not an image');
    const error = await loadError();

    expect(error.message).toContain('contains no images (only 1 other file or folder)');
  });

  it('rejects a folder of broken images', async () => {
    await writeFile(join(directory, 'broken.png'), 'not a png');
    await writeFile(join(directory, 'broken.webp'), 'not a webp');
    const error = await loadError();

    expect(error.message).toContain(`folder "${directory}" contains 2 image files but none could be read`);
    // The images decode in parallel, so their warnings come in either order.
    expect(warnings.map((warning) => warning.file).sort()).toEqual([
      join(directory, 'broken.png'),
      join(directory, 'broken.webp'),
    ]);
  });

  it('rejects a missing folder', async () => {
    const missing = join(directory, 'no-such-folder');
    const error = await loadError({ dataset: missing });

    expect(error.message).toContain(`dataset "${missing}" is neither "shapes", "mnist" nor an existing folder`);
  });

  it('rejects a file given as the folder', async () => {
    const file = join(directory, 'image.png');
    await plusImage(40, 40, WHITE, BLACK).png().toFile(file);
    const error = await loadError({ dataset: file });

    expect(error.message).toContain(`dataset "${file}" is a file, not a folder`);
  });

  it('resolves a relative path', async () => {
    await plusImage(40, 40, WHITE, BLACK).png().toFile(join(directory, 'one.png'));
    await plusImage(40, 40, WHITE, BLACK).png().toFile(join(directory, 'two.png'));
    const relativePath = relative(process.cwd(), directory);

    const dataset = await loadDataset(options({ dataset: relativePath }));

    expect(relativePath.startsWith('/')).toBe(false);
    expect(dataset.info.name).toBe(basename(relativePath));
    expect(dataset.train.count + dataset.validation.count).toBe(2);
  });
});

describe('hasLightBackground', () => {
  it('is true for a light border', () => {
    const image = new Uint8Array(IMAGE_PIXELS).fill(230);
    image[14 * IMAGE_SIZE + 14] = 0;

    expect(hasLightBackground(image)).toBe(true);
  });

  it('is false for a dark border', () => {
    const image = new Uint8Array(IMAGE_PIXELS).fill(20);
    image.fill(255, 10 * IMAGE_SIZE, 18 * IMAGE_SIZE);

    expect(hasLightBackground(image)).toBe(false);
  });

  it('looks only at the outermost ring', () => {
    const image = new Uint8Array(IMAGE_PIXELS).fill(255);
    for (let i = 0; i < IMAGE_SIZE; i++) {
      image[i] = 0;
      image[(IMAGE_SIZE - 1) * IMAGE_SIZE + i] = 0;
      image[i * IMAGE_SIZE] = 0;
      image[i * IMAGE_SIZE + IMAGE_SIZE - 1] = 0;
    }

    expect(hasLightBackground(image)).toBe(false);
  });
});
