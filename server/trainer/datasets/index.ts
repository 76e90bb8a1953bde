// Entry point of the dataset loaders, which picks one by the `--dataset` value.

import { stat } from 'node:fs/promises';

import { loadImageFolder } from './folder';
import { loadMnist } from './mnist';
import { generateShapes } from './shapes';
import { DatasetError, type Dataset, type DatasetOptions } from './types';

export { DatasetError } from './types';
export type { Dataset, DatasetOptions, ImageSplit } from './types';

/** Loads `shapes`, `mnist` or the image folder that `options.dataset` names. */
export async function loadDataset(options: DatasetOptions): Promise<Dataset> {
  checkValidationSplit(options.validationSplit);

  switch (options.dataset) {
    case 'shapes':
      return generateShapes(options.shapesCount, options.validationSplit, options.seed);
    case 'mnist':
      return loadMnist(options.mnistDir);
    default:
      await checkFolderExists(options.dataset);
      return loadImageFolder(options);
  }
}

function checkValidationSplit(validationSplit: number): void {
  if (!(validationSplit > 0 && validationSplit < 1)) {
    throw new DatasetError(
      `validation split ${validationSplit} is invalid; use a fraction between 0 and 1, such as 0.1`,
    );
  }
}

async function checkFolderExists(path: string): Promise<void> {
  const fix = 'use "shapes", "mnist" or the path of a folder of PNG, JPEG or WebP images';

  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DatasetError(`opening dataset folder "${path}" failed (${(error as Error).message}); ${fix}`);
    }
    throw new DatasetError(`dataset "${path}" is neither "shapes", "mnist" nor an existing folder; ${fix}`);
  }

  if (!isFolder) {
    throw new DatasetError(`dataset "${path}" is a file, not a folder; ${fix}`);
  }
}
