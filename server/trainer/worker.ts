// The training worker: selects the backend, loads the dataset, builds the
// model, proves that it trains on that backend, and runs the loop, talking to
// the main thread only through messages.

import { parentPort, workerData } from 'node:worker_threads';

import type { WorkerCommand, WorkerEvent, WorkerInit } from '../../shared/worker-messages';
import { selectBackend } from './backend';
import { prepareModel } from './backend-fallback';
import { loadDataset } from './datasets';
import { TrainingLoop } from './loop';
import { disposeAutoencoder } from './model';
import { modelFileLocation } from './model-file';
import { modelFileDigest } from './model-file-digest';

if (!parentPort) throw new Error('worker.ts runs only as a worker thread; start the host with `npm start`');
const port = parentPort;

const { config, reconstructionEvery, resume, trainThreads } = workerData as WorkerInit;
const emit = (event: WorkerEvent): void => port.postMessage(event);

try {
  await train();
} catch (error) {
  const location = await modelFileLocation(error, config);
  emit({ type: 'fatal', message: (error as Error).message ?? String(error), ...(location && { location }) });
  port.close();
}

async function train(): Promise<void> {
  const selected = await selectBackend(config.backend);
  const dataset = await loadDataset({
    dataset: config.dataset,
    shapesCount: config.shapesCount,
    validationSplit: config.validationSplit,
    seed: config.seed,
    onWarning: (message: string) => emit({ type: 'warning', message }),
  });
  // Read before the import, so that a file saved in between is recorded as changed rather than as the version trained.
  const digest = config.model === 'file' && config.modelFile ? await modelFileDigest(config.modelFile) : null;
  const { model, backend } = await prepareModel(config, dataset, selected, emit);
  const runStartedAt = Date.now();

  const loop = new TrainingLoop({ config, dataset, model, reconstructionEvery, runStartedAt, trainThreads, emit });
  try {
    if (resume) await loop.restore(resume);
  } catch (error) {
    await loop.close();
    disposeAutoencoder(model);
    throw error;
  }
  emit({ type: 'ready', backend, dataset: dataset.info, layerSizes: model.layerSizes, runStartedAt, ...(digest && { modelFileSha256: digest }) });

  const stopRequest = new Promise<void>((resolve) => {
    port.on('message', (command: WorkerCommand) => {
      if (command.type === 'stop') {
        loop.stop();
        resolve();
      } else {
        handleCommand(loop, command);
      }
    });
  });

  // After the last epoch the model stays loaded until the host stops.
  await loop.run();
  await stopRequest;
  await loop.close();
  disposeAutoencoder(model);
  emit({ type: 'state', state: 'stopped', reason: 'stopped by the host' });
  port.close();
}

function handleCommand(loop: TrainingLoop, command: Exclude<WorkerCommand, { type: 'stop' }>): void {
  switch (command.type) {
    case 'pause':
      loop.pause();
      break;
    case 'resume':
      loop.resume();
      break;
    case 'checkpoint':
      loop.requestCheckpoint(command.id);
      break;
    case 'setLearningRate':
      try {
        loop.setLearningRate(command.value);
      } catch (error) {
        // The host checks the value before sending it, so this is a second line of defence.
        emit({ type: 'warning', message: `setLearningRate was ignored: ${(error as Error).message}` });
      }
      break;
  }
}
