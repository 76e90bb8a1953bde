import { describe, expect, it } from 'vitest';

import type { RunConfig, TrainingState } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { TrainerStartError, TrainerThread } from '../../server/trainer/trainer-thread';
import { waitFor } from '../helpers/host';
import { longWorkerRun } from '../helpers/run-config';

const config = longWorkerRun({ hidden: [32] });

function record(trainer: TrainerThread) {
  const events: WorkerEvent[] = [];
  trainer.on('event', (event) => events.push(event));
  const states = (): TrainingState[] => events.flatMap((event) => (event.type === 'state' ? [event.state] : []));
  const steps = (): number[] => events.flatMap((event) => (event.type === 'steps' ? event.points.map((point) => point.step) : []));
  return { events, states, steps };
}

describe('training worker commands', () => {
  it('resumes conv from a checkpoint', async () => {
    const convConfig: RunConfig = { ...config, model: 'conv' };
    const first = new TrainerThread({ config: convConfig, reconstructionEvery: 50, resume: null });
    const firstEvents = record(first);
    const ready = await first.ready;
    expect(ready.backend).toEqual({ name: 'wasm', reason: 'requested with --backend wasm' });
    expect(ready.layerSizes.at(0)).toBe(784);
    await waitFor('a few conv steps', () => firstEvents.steps().length >= 3);

    const state = await first.checkpoint();
    await first.stop();
    expect(state.step).toBeGreaterThanOrEqual(3);
    expect(state.encoder.length).toBeGreaterThan(0);

    const second = new TrainerThread({ config: convConfig, reconstructionEvery: 50, resume: state });
    const secondEvents = record(second);
    await second.ready;
    await waitFor('the resumed run to train', () => secondEvents.steps().length > 0);
    await second.stop();
    expect(secondEvents.steps()[0]).toBe(state.step + 1);
  });

  it('applies setLearningRate while training', async () => {
    const trainer = new TrainerThread({ config: { ...config, optimizer: 'sgd', learningRate: 0.1, loss: 'mse' }, reconstructionEvery: 50, resume: null });
    const seen = record(trainer);
    await trainer.ready;
    await waitFor('a few steps at the safe rate', () => seen.steps().length >= 20);
    expect(seen.states()).not.toContain('diverged');

    trainer.setLearningRate(1e30);
    await waitFor('the loss to diverge at the new rate', () => seen.states().includes('diverged'));
    await trainer.stop();
  });

  it('rejects an invalid learning rate', async () => {
    const trainer = new TrainerThread({ config, reconstructionEvery: 50, resume: null });
    await trainer.ready;
    expect(() => trainer.setLearningRate(0)).toThrow(RangeError);
    expect(() => trainer.setLearningRate(Number.NaN)).toThrow('learning rate NaN is invalid; use a finite number above 0, such as 0.001.');
    await trainer.stop();
  });

  it('fails start on mismatched checkpoint', async () => {
    const source = new TrainerThread({ config, reconstructionEvery: 50, resume: null });
    await source.ready;
    const state = await source.checkpoint();
    await source.stop();

    const trainer = new TrainerThread({ config: { ...config, latent: 4 }, reconstructionEvery: 50, resume: state });
    await expect(trainer.ready).rejects.toThrow(TrainerStartError);
    await expect(trainer.ready).rejects.toThrow(/encoder weight 0 .* has shape \[784, 8\] in the checkpoint and \[784, 4\] in this model/);
    await trainer.stop();
  });

  it('fails start on unbuildable model', async () => {
    const trainer = new TrainerThread({ config: { ...config, model: 'file', modelFile: '/tmp/missing-model.ts' }, reconstructionEvery: 50, resume: null });
    const seen = record(trainer);
    await expect(trainer.ready).rejects.toThrow(/the model file \/tmp\/missing-model\.ts cannot be read/);
    expect(seen.events.some((event) => event.type === 'ready')).toBe(false);
    await trainer.stop();
  });

  it('splits batches across two threads', async () => {
    const trainer = new TrainerThread({ config, reconstructionEvery: 50, resume: null, trainThreads: 2 });
    const seen = record(trainer);
    const exit = new Promise<number>((resolve) => trainer.once('exit', resolve));
    await trainer.ready;
    await waitFor('a few steps on two threads', () => seen.steps().length >= 20);

    const threads = seen.events.filter((event) => event.type === 'threads');
    expect(threads).toEqual([{ type: 'threads', count: 2, requested: 2, reason: expect.stringContaining('2 shares') }]);
    await trainer.stop();
    expect(seen.states().at(-1)).toBe('stopped');
    // Exit code 0: the worker ended on its own; one that had to be terminated after the grace period exits with 1.
    expect(await exit).toBe(0);
  });
});
