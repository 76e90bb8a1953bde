// A streamer's own images: every PNG, JPEG or WebP file in one folder, turned
// into 28 × 28 grayscale with bright strokes on a dark background.

import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

import { IMAGE_PIXELS } from '../../../shared/training';
import { createRandom } from '../random';
import { readTrainingImage } from './image-file';
import { selectImages, validationCountFor } from './split';
import { DatasetError, type Dataset, type DatasetOptions, type ImageSplit } from './types';

/** File extensions read as images, compared in lower case. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

const ACCEPTED_FILES = 'PNG, JPEG or WebP files (.png, .jpg, .jpeg, .webp)';

// Number of images that sharp decodes at once. Its work runs on libuv's thread
// pool, which has 4 threads unless UV_THREADPOOL_SIZE sets another size.
const DECODE_CONCURRENCY = 4;

/**
 * Loads every image in the folder `options.dataset` with label 0 and splits the
 * images at random (fixed by `options.seed`). A folder with a single image uses it
 * for both training and validation, and reports that through `options.onWarning`.
 * Relative paths resolve against the working directory.
 */
export async function loadImageFolder(options: DatasetOptions): Promise<Dataset> {
  const { imageFiles, otherEntryCount } = await listImageFiles(options.dataset);
  if (imageFiles.length === 0) {
    throw new DatasetError(
      `folder "${options.dataset}" contains no images${describeOtherEntries(otherEntryCount)}; add ${ACCEPTED_FILES}`,
    );
  }

  const all = await readImages(imageFiles.map((name) => join(options.dataset, name)), options.onWarning);
  if (all.count === 0) {
    throw new DatasetError(
      `folder "${options.dataset}" contains ${imageFiles.length} image files but none could be read; ` +
        `replace the skipped files with readable ${ACCEPTED_FILES}`,
    );
  }

  const { train, validation } = splitAtRandom(all, options);
  if (all.count === 1) {
    options.onWarning?.(
      `folder "${options.dataset}" has a single readable image, so validation reuses the training image`,
    );
  }

  return {
    // Viewers see only the folder's name, not where it sits on the streamer's disk.
    info: { name: basename(options.dataset), trainCount: train.count, validationCount: validation.count, labelNames: ['image'] },
    train,
    validation,
  };
}

async function listImageFiles(folderPath: string): Promise<{ imageFiles: string[]; otherEntryCount: number }> {
  let entries: Dirent[];
  try {
    entries = await readdir(folderPath, { withFileTypes: true });
  } catch (error) {
    const reason = (error as Error).message;
    throw new DatasetError(`reading folder "${folderPath}" failed (${reason}); check that it exists and is readable`);
  }

  const imageFiles: string[] = [];
  let otherEntryCount = 0;

  for (const entry of entries) {
    const isFileLike = entry.isFile() || entry.isSymbolicLink();
    if (isFileLike && IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
      imageFiles.push(entry.name);
    } else {
      otherEntryCount++;
    }
  }

  // Code-point order, not the locale's, so that a seed gives the same split on every machine.
  imageFiles.sort();
  return { imageFiles, otherEntryCount };
}

function describeOtherEntries(count: number): string {
  if (count === 0) {
    return '';
  }
  return count === 1 ? ' (only 1 other file or folder)' : ` (only ${count} other files or folders)`;
}

/** Reads every file, skipping unreadable ones with a warning, and returns the rest in file order. */
async function readImages(files: string[], onWarning: DatasetOptions['onWarning']): Promise<ImageSplit> {
  const decoded = await mapWithConcurrency(files, DECODE_CONCURRENCY, async (file) => {
    try {
      return await readTrainingImage(file);
    } catch (error) {
      onWarning?.(`skipped ${file}: ${(error as Error).message}`, file);
      return null;
    }
  });

  const readable = decoded.filter((image): image is Uint8Array => image !== null);
  const images = new Uint8Array(readable.length * IMAGE_PIXELS);
  readable.forEach((image, i) => images.set(image, i * IMAGE_PIXELS));

  return { images, labels: new Uint8Array(readable.length), count: readable.length };
}

function splitAtRandom(all: ImageSplit, options: DatasetOptions): { train: ImageSplit; validation: ImageSplit } {
  if (all.count === 1) {
    return { train: selectImages(all, [0]), validation: selectImages(all, [0]) };
  }

  const order = Array.from({ length: all.count }, (_, i) => i);
  createRandom(options.seed).shuffle(order);

  const trainCount = all.count - validationCountFor(all.count, options.validationSplit);
  return {
    train: selectImages(all, order.slice(0, trainCount)),
    validation: selectImages(all, order.slice(trainCount)),
  };
}

/** Runs `task` on every item with at most `limit` tasks in flight. Results keep the order of `items`. */
async function mapWithConcurrency<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let nextIndex = 0;

  const worker = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      results[index] = await task(items[index]);
    }
  };

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
