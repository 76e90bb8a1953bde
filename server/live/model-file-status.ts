// Connects the model-file watcher to the host: a failed reload becomes the
// `modelFileError` of the host status, which the host panel shows and, when
// the streamer asked for it, the overlay too.

import { basename, dirname } from 'node:path';

import type { ModelFileFailure } from '../../shared/training';
import type { Logger } from '../log';
import type { RunControl } from '../run/run-control';
import { ModelFileWatcher } from './model-watcher';
import type { ModelWatcherOptions, ReloadOutcome } from './model-watcher';

export interface ModelFileStatusTarget {
  /** Receives the failure to publish, or null once a save loads. */
  setFailure(failure: ModelFileFailure | null): void;
}

export interface WatchModelFileOptions {
  file: string;
  control: Pick<RunControl, 'restart'>;
  target: ModelFileStatusTarget;
  showOnOverlay: boolean;
  log: Logger;
  watcher?: Partial<ModelWatcherOptions>;
}

/** Starts watching the model file; each failed reload is published with the file by its name only. */
export async function watchModelFile(options: WatchModelFileOptions): Promise<ModelFileWatcher> {
  const { file, target, showOnOverlay } = options;
  const report = (outcome: ReloadOutcome) => target.setFailure(outcome === null ? null : publicFailure(outcome, file, showOnOverlay));
  const watcher = new ModelFileWatcher(file, options.control, options.log, report, options.watcher);
  await watcher.start();
  return watcher;
}

/**
 * Returns the failure as viewers may see it: every viewer receives the host
 * status, so the folders of the streamer's disk are cut from the message and
 * the location, leaving the file name.
 */
export function publicFailure(outcome: NonNullable<ReloadOutcome>, file: string, showOnOverlay: boolean): ModelFileFailure {
  const folder = `${dirname(file)}/`;
  const message = outcome.message.split(folder).join('');
  const location = outcome.location ? { ...outcome.location, file: basename(outcome.location.file) } : null;
  return { message, location, failedAt: Date.now(), showOnOverlay };
}
