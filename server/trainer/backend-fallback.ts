// Builds the model on the selected backend and proves it trains there with
// the preflight. When the backend cannot train it and `--backend auto` chose
// that backend, training moves to the CPU backend before `ready`, so a
// missing kernel never stops a run in the middle of a stream.

import type { BackendInfo, RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { activateCpuBackend, BackendError } from './backend';
import type { Dataset } from './datasets/types';
import { buildAutoencoder, disposeAutoencoder } from './model';
import type { Autoencoder } from './model';
import { preflight, PreflightError } from './preflight';

export interface PreparedModel {
  model: Autoencoder;
  /** The backend training runs on, which differs from the selected one after a fallback. */
  backend: BackendInfo;
}

/**
 * Builds the model and runs the preflight. When it fails on a backend other
 * than CPU for a reason other than a non-finite loss, `--backend auto`
 * rebuilds the model on the CPU backend and tries again. The decision goes
 * out as a warning and in the returned backend's reason. An explicit
 * `--backend` raises a BackendError naming the flag and the fix instead.
 * Other failures propagate.
 */
export async function prepareModel(
  config: RunConfig,
  dataset: Dataset,
  backend: BackendInfo,
  emit: (event: WorkerEvent) => void,
): Promise<PreparedModel> {
  const model = await buildAutoencoder(config);
  const failure = tryPreflight(model, config, dataset);
  if (!failure) return { model, backend };

  disposeAutoencoder(model);
  if (failure.notFinite || backend.name === 'cpu') throw failure;
  if (config.backend !== 'auto') {
    throw new BackendError(
      `--backend ${config.backend} cannot train --model ${config.model}: ${failure.message}. ` +
        'Use --backend auto, which moves training to the CPU backend, or --backend cpu.',
    );
  }

  await activateCpuBackend();
  const cpuModel = await buildAutoencoder(config);
  const cpuFailure = tryPreflight(cpuModel, config, dataset);
  if (cpuFailure) {
    disposeAutoencoder(cpuModel);
    throw cpuFailure;
  }

  const reason = `${failure.message}, so training runs on the slower CPU backend instead of ${backend.name}`;
  emit({ type: 'warning', message: reason });
  return { model: cpuModel, backend: { name: 'cpu', reason } };
}

function tryPreflight(model: Autoencoder, config: RunConfig, dataset: Dataset): PreflightError | null {
  try {
    preflight(model, config, dataset);
    return null;
  } catch (error) {
    if (error instanceof PreflightError) return error;
    throw error;
  }
}
