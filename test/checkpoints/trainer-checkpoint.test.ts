// The checkpoint request of TrainerThread against a real training worker.

import { describe, expect, it } from 'vitest';

import type { WorkerEvent } from '../../shared/worker-messages';
import { CheckpointRequestError, TrainerThread } from '../../server/trainer/trainer-thread';
import { waitFor } from '../helpers/host';
import { longWorkerRun } from '../helpers/run-config';

const config = longWorkerRun({ model: 'deep', hidden: [32], latent: 4 });

const lastStep = (events: WorkerEvent[]) => events.flatMap((event) => (event.type === 'steps' ? event.points : [])).at(-1)?.step ?? 0;

describe('TrainerThread.checkpoint', () => {
  it('rejects before the worker is ready', async () => {
    const trainer = new TrainerThread({ config, reconstructionEvery: 50, resume: null });
    await expect(trainer.checkpoint()).rejects.toThrow(CheckpointRequestError);
    await expect(trainer.checkpoint()).rejects.toThrow(/still loading the dataset/);
    await trainer.stop();
  });

  it('returns the state of a training run', async () => {
    const trainer = new TrainerThread({ config, reconstructionEvery: 50, resume: null });
    const events: WorkerEvent[] = [];
    trainer.on('event', (event) => events.push(event));
    await trainer.ready;
    await waitFor('a few training steps', () => lastStep(events) > 10);

    const state = await trainer.checkpoint();

    expect(state.step).toBeGreaterThan(10);
    expect(state.encoder.map((tensor) => tensor.shape)).toEqual([[784, 32], [32], [32, 4], [4]]);
    expect(state.decoder.map((tensor) => tensor.shape)).toEqual([[4, 32], [32], [32, 784], [784]]);
    // Adam keeps two slots per weight after its iteration count.
    expect(state.optimizer).toHaveLength(1 + 2 * 8);
    await trainer.stop();
  });

  it('resumes a worker with identical weights', async () => {
    const first = new TrainerThread({ config, reconstructionEvery: 50, resume: null });
    const events: WorkerEvent[] = [];
    first.on('event', (event) => events.push(event));
    await first.ready;
    await waitFor('the first epoch', () => events.some((event) => event.type === 'epoch'));
    first.pause();
    await waitFor('the paused state', () => events.some((event) => event.type === 'state' && event.state === 'paused'));
    const saved = await first.checkpoint();
    await first.stop();

    // With as many epochs as the checkpoint has done, the resumed run finishes without a step, so its weights stay the checkpoint's.
    const resumed = new TrainerThread({ config: { ...config, epochs: saved.epoch }, reconstructionEvery: 50, resume: saved });
    const resumedEvents: WorkerEvent[] = [];
    resumed.on('event', (event) => resumedEvents.push(event));
    await resumed.ready;
    await waitFor('the finished state', () => resumedEvents.some((event) => event.type === 'state' && event.state === 'finished'));
    const restored = await resumed.checkpoint();
    await resumed.stop();

    expect(restored.epoch).toBe(saved.epoch);
    expect(restored.step).toBe(saved.step);
    expect(restored.encoder.map((tensor) => tensor.values)).toEqual(saved.encoder.map((tensor) => tensor.values));
    expect(restored.decoder.map((tensor) => tensor.values)).toEqual(saved.decoder.map((tensor) => tensor.values));
    expect(restored.optimizer.map((tensor) => tensor.values)).toEqual(saved.optimizer.map((tensor) => tensor.values));
  });
});
