// Division of one pool of images into the training and validation splits.

import { IMAGE_PIXELS } from '../../../shared/training';
import type { ImageSplit } from './types';

/**
 * Returns how many of `count` images go to validation: round(count × split),
 * at least 1, and at most count − 1 so that training keeps at least one image.
 * A single image returns 1 because the caller then validates on the training image.
 */
export function validationCountFor(count: number, validationSplit: number): number {
  if (count < 2) {
    return 1;
  }
  const rounded = Math.round(count * validationSplit);
  return Math.min(count - 1, Math.max(1, rounded));
}

/** Copies the images and labels at `indices` of `source`, in that order, into a new split. */
export function selectImages(source: ImageSplit, indices: ArrayLike<number>): ImageSplit {
  const count = indices.length;
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);

  for (let i = 0; i < count; i++) {
    const from = indices[i];
    images.set(source.images.subarray(from * IMAGE_PIXELS, (from + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
    labels[i] = source.labels[from];
  }

  return { images, labels, count };
}

/** Returns images `start` (inclusive) to `end` (exclusive) of `source` as views that share its memory. */
export function sliceImages(source: ImageSplit, start: number, end: number): ImageSplit {
  return {
    images: source.images.subarray(start * IMAGE_PIXELS, end * IMAGE_PIXELS),
    labels: source.labels.subarray(start, end),
    count: end - start,
  };
}
