// The training worker: selects the backend, loads the dataset, builds the
// model and runs the loop, talking to the main thread only through messages.

import { parentPort, workerData } from 'node:worker_threads';

import type { WorkerCommand, WorkerEvent, WorkerInit } from '../../shared/worker-messages';
import { selectBackend } from './backend';
import { loadDataset } from './datasets';
import { TrainingLoop } from './loop';
import { buildAutoencoder, disposeAutoencoder } from './model';

if (!parentPort) throw new Error('worker.ts runs only as a worker thread; start the host with `npm start`');
const port = parentPort;

const { config, reconstructionEvery } = workerData as WorkerInit;
const emit = (event: WorkerEvent): void => port.postMessage(event);

try {
  await train();
} catch (error) {
  emit({ type: 'fatal', message: (error as Error).message ?? String(error) });
  port.close();
}

async function train(): Promise<void> {
  const backend = await selectBackend(config.backend);
  const dataset = await loadDataset({
    dataset: config.dataset,
    shapesCount: config.shapesCount,
    validationSplit: config.validationSplit,
    seed: config.seed,
    onWarning: (message: string) => emit({ type: 'warning', message }),
  });
  const model = buildAutoencoder(config);
  const runStartedAt = Date.now();
  emit({ type: 'ready', backend, dataset: dataset.info, layerSizes: model.layerSizes, runStartedAt });

  const loop = new TrainingLoop({ config, dataset, model, reconstructionEvery, runStartedAt, emit });
  const stopRequest = new Promise<void>((resolve) => {
    port.on('message', (command: WorkerCommand) => {
      if (command.type === 'pause') loop.pause();
      else if (command.type === 'resume') loop.resume();
      else if (command.type === 'stop') {
        loop.stop();
        resolve();
      }
    });
  });

  // After the last epoch the model stays loaded until the host stops.
  await loop.run();
  await stopRequest;
  loop.dispose();
  disposeAutoencoder(model);
  emit({ type: 'state', state: 'stopped', reason: 'stopped by the host' });
  port.close();
}
