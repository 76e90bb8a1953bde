import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import type { WorkerInit } from '../../shared/worker-messages';
import { RunHistory } from '../../server/broadcast/run-history';
import { TrainingFeed } from '../../server/broadcast/training-feed';
import { HostMetrics } from '../../server/http/metrics';
import { RunStartError } from '../../server/run/run-control';
import { RestartSupersededError, RunManager } from '../../server/run/run-manager';
import type { RunManagerOptions } from '../../server/run/run-manager';
import { TrainerThread } from '../../server/trainer/trainer-thread';
import { waitFor } from '../helpers/host';
import { longWorkerRun } from '../helpers/run-config';

const config = longWorkerRun({ shapesCount: 200 });

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let managers: RunManager[] = [];

afterEach(async () => {
  await Promise.all(managers.map((manager) => manager.stop()));
  managers = [];
});

/** Starts a manager on a real history and feed (with no hub), and waits for its first run to train. */
async function startManager(options: Partial<RunManagerOptions> = {}) {
  const history = new RunHistory(config);
  const feed = new TrainingFeed(history, log, new HostMetrics());
  const manager = new RunManager({ history, feed, log, reconstructionEvery: 50, ...options });
  managers.push(manager);
  await manager.start();
  await waitFor('the first steps', () => history.losses.length > 0);
  return { history, manager };
}

/** Resolves once `trainer`'s worker has exited. */
function exited(trainer: TrainerThread): Promise<number> {
  return new Promise((resolve) => trainer.once('exit', resolve));
}

describe('RunManager', () => {
  it('switches to the new run once it is ready', async () => {
    const { history, manager } = await startManager();
    const first = manager.current;
    const firstRunId = history.runId;
    const firstExit = exited(first);

    await manager.restart({ latent: 4 }, 'latent size 8 → 4');

    expect(manager.current).not.toBe(first);
    expect(manager.config.latent).toBe(4);
    expect(history.runId).not.toBe(firstRunId);
    expect(history.status(0).runReason).toBe('latent size 8 → 4');
    expect(history.status(0).layerSizes).toEqual([784, 4, 784]);
    expect(history.earlierRuns.map((run) => run.runId)).toEqual([firstRunId]);
    expect(history.earlierRuns[0].layerSizes).toEqual([784, 8, 784]);
    expect(history.earlierRuns[0].finalLoss).not.toBeNull();
    await firstExit;

    await waitFor('steps of the new run', () => history.losses.length > 0);
    expect(history.losses.forDisplay(10)[0].step).toBe(1);
  });

  it('keeps the old run when the new one fails', async () => {
    const { history, manager } = await startManager();
    const first = manager.current;
    const runId = history.runId;

    const restart = manager.restart({ dataset: '/nonexistent/folder' }, 'dataset shapes → folder');

    await expect(restart).rejects.toThrow(RunStartError);
    await expect(restart).rejects.toThrow(/nonexistent/);
    expect(manager.current).toBe(first);
    expect(history.runId).toBe(runId);
    expect(manager.config.dataset).toBe('shapes');
    expect(history.earlierRuns).toEqual([]);
    expect(manager.lastRejection).toMatchObject({ reason: 'dataset shapes → folder', location: null });
    expect(manager.pending).toBeNull();

    const stepBefore = history.losses.last()!.step;
    await waitFor('the old run to go on training', () => history.losses.last()!.step > stepBefore);
    expect(history.status(0).state).toBe('training');
  });

  it('lets the latest restart win', async () => {
    const { history, manager } = await startManager();

    const superseded = manager.restart({ latent: 3 }, 'latent size 8 → 3');
    const latest = manager.restart({ latent: 5 }, 'latent size 8 → 5');

    await expect(superseded).rejects.toThrow(RestartSupersededError);
    await latest;
    expect(manager.config.latent).toBe(5);
    expect(history.status(0).runReason).toBe('latent size 8 → 5');
    expect(history.earlierRuns).toHaveLength(1);
  });

  it('rejects a candidate that times out', async () => {
    const { history, manager } = await startManager({ candidateTimeoutMs: 1 });
    const runId = history.runId;

    await expect(manager.restart({ latent: 4 }, 'latent size 8 → 4')).rejects.toThrow(/was not ready after 0.001 s/);
    expect(history.runId).toBe(runId);
    expect(manager.config.latent).toBe(8);
  });

  it('reports the model file location of a failure', async () => {
    const started: TrainerThread[] = [];
    const startTrainer = (init: WorkerInit) => {
      const trainer = new TrainerThread(init);
      started.push(trainer);
      return trainer;
    };
    const { manager } = await startManager({ startTrainer });

    const restart = manager.restart({ latent: 4 }, 'model file changed');
    // The candidate's worker reports an error from the streamer's model file, as a file model does.
    const location = { file: '/streams/model.ts', line: 12, column: 5 };
    started[1].emit('event', { type: 'fatal', message: 'layer "dense" got 0 units', location });

    await expect(restart).rejects.toMatchObject({ name: 'RunStartError', message: 'layer "dense" got 0 units', location });
    expect(manager.lastRejection).toMatchObject({ location });
  });

  it('applies a learning rate live and records it', async () => {
    const { history, manager } = await startManager();
    const runId = history.runId;

    manager.update({ learningRate: 0.0005 }, 'test');

    expect(history.status(0).learningRate).toBe(0.0005);
    expect(manager.config.learningRate).toBe(0.0005);
    expect(history.runId).toBe(runId);
    expect(() => manager.update({ learningRate: -1 }, 'test')).toThrow(/learning rate -1 is not valid/);
  });

  it('forwards pause and resume to the current run', async () => {
    const { history, manager } = await startManager();

    manager.pause();
    await waitFor('the paused state', () => history.status(0).state === 'paused');

    manager.resume();
    await waitFor('the training state', () => history.status(0).state === 'training');
  });
});
