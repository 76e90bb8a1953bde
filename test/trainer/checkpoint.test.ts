import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import type { RunConfig, StepLoss } from '../../shared/training';
import type { CheckpointState, WorkerEvent } from '../../shared/worker-messages';
import { selectBackend } from '../../server/trainer/backend';
import { CheckpointMismatchError } from '../../server/trainer/checkpoint-state';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { TrainingLoop } from '../../server/trainer/loop';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import type { Autoencoder } from '../../server/trainer/model';
import { FusedDenseStep } from '../../server/trainer/step';
import { BASE_CONFIG, epochsOf, lossesOf } from './fixtures';

let dataset: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 });
});

interface Run {
  events: WorkerEvent[];
  model: Autoencoder;
  loop: TrainingLoop;
}

/** Creates a loop on a fresh model. `onEvent` receives every event and the loop, so a test can send requests mid-run. */
async function createRun(config: RunConfig, onEvent: (event: WorkerEvent, loop: TrainingLoop) => void = () => {}): Promise<Run> {
  const model = await buildAutoencoder(config);
  const events: WorkerEvent[] = [];
  const loop: TrainingLoop = new TrainingLoop({
    config,
    dataset,
    model,
    reconstructionEvery: 1000,
    runStartedAt: Date.now(),
    emit: (event) => {
      events.push(event);
      onEvent(event, loop);
    },
  });
  return { events, model, loop };
}

async function finish(run: Run): Promise<void> {
  await run.loop.close();
  disposeAutoencoder(run.model);
}

/** Trains a whole run and takes one checkpoint after the step losses up to `step` are read. */
async function trainWithCheckpoint(config: RunConfig, step: number): Promise<{ state: CheckpointState; losses: StepLoss[] }> {
  let requested = false;
  const run = await createRun(config, (event, loop) => {
    if (!requested && event.type === 'steps' && event.points.at(-1)!.step >= step) {
      requested = true;
      loop.requestCheckpoint(7);
    }
  });
  await run.loop.run();
  await finish(run);

  const answer = run.events.find((event) => event.type === 'checkpoint');
  if (answer?.type !== 'checkpoint') throw new Error('the loop did not answer the checkpoint request');
  expect(answer.id).toBe(7);
  return { state: answer.state, losses: lossesOf(run.events) };
}

const valuesOf = (model: tf.LayersModel) => model.getWeights().map((weight) => Array.from(weight.dataSync()));

describe.each<[string, Partial<RunConfig>]>([
  ['dense', { model: 'dense' }],
  ['vae with denoising', { model: 'vae', hidden: [32], denoise: 0.3 }],
  ['deep with sgd', { model: 'deep', hidden: [32], optimizer: 'sgd', learningRate: 0.1 }],
])('checkpoint of %s', (_name, overrides) => {
  const config: RunConfig = { ...BASE_CONFIG, ...overrides, epochs: 3 };

  it('restores weights and next step loss', async () => {
    // Losses are read in groups of ten and at the end of each 17-step epoch, so the checkpoint
    // lands at step 27, inside the second epoch: the resumed run starts mid-epoch.
    const { state, losses } = await trainWithCheckpoint(config, 20);
    expect(state.epoch).toBe(1);
    expect(state.step).toBe(27);

    const resumed = await createRun(config);
    await resumed.loop.restore(state);
    expect(valuesOf(resumed.model.encoder)).toEqual(state.encoder.map((weight) => Array.from(weight.values)));
    expect(valuesOf(resumed.model.decoder)).toEqual(state.decoder.map((weight) => Array.from(weight.values)));

    await resumed.loop.run();
    const resumedLosses = lossesOf(resumed.events);
    const original = losses.filter((point) => point.step > state.step);
    expect(resumedLosses[0].step).toBe(28);
    expect(resumedLosses[0].loss).toBe(original[0].loss);
    // Later steps agree closely; Adam recomputes its bias corrections from the iteration count.
    expect(resumedLosses.map((point) => point.step)).toEqual(original.map((point) => point.step));
    resumedLosses.forEach((point, i) => expect(point.loss).toBeCloseTo(original[i].loss, 4));
    expect(epochsOf(resumed.events).map((summary) => summary.epoch)).toEqual([2, 3]);
    await finish(resumed);
  });
});

describe('checkpoint', () => {
  it('carries optimizer iterations and slots', async () => {
    const { state } = await trainWithCheckpoint({ ...BASE_CONFIG, epochs: 1 }, 10);
    const variables = state.encoder.length + state.decoder.length;

    expect(state.optimizer[0].name).toBe('iter');
    expect(Array.from(state.optimizer[0].values)).toEqual([10]);
    expect(state.optimizer).toHaveLength(1 + 2 * variables);
  });

  it('answers while paused and finished', async () => {
    const run = await createRun({ ...BASE_CONFIG, epochs: 1 }, (event, loop) => {
      if (event.type === 'steps' && event.points.at(-1)!.step === 10) loop.pause();
      if (event.type === 'state' && event.state === 'paused') {
        loop.requestCheckpoint(1);
        setTimeout(() => loop.resume(), 50);
      }
    });
    await run.loop.run();
    run.loop.requestCheckpoint(2);
    await run.loop.close();

    const answers = run.events.flatMap((event) => (event.type === 'checkpoint' ? [event] : []));
    expect(answers.map((answer) => [answer.id, answer.state.step])).toEqual([
      [1, 10],
      [2, 17],
    ]);
    expect(answers[1].state.epoch).toBe(1);
    disposeAutoencoder(run.model);
  });

  it('answers during a validation pass', async () => {
    const config: RunConfig = { ...BASE_CONFIG, epochs: 1 };
    const run = await createRun(config);
    const { evaluate } = FusedDenseStep.prototype;
    let requested = false;
    vi.spyOn(FusedDenseStep.prototype, 'evaluate').mockImplementation(function (this: FusedDenseStep, input, target) {
      if (!requested) {
        requested = true;
        run.loop.requestCheckpoint(3);
      }
      return evaluate.call(this, input, target);
    });

    await run.loop.run();
    await finish(run);
    vi.restoreAllMocks();

    const types = run.events.map((event) => event.type);
    const answer = run.events.find((event) => event.type === 'checkpoint');
    expect(types.indexOf('checkpoint')).toBeGreaterThan(-1);
    expect(types.indexOf('checkpoint')).toBeLessThan(types.indexOf('epoch'));
    expect(answer).toMatchObject({ id: 3, state: { epoch: 1, step: 17 } });
  });

  it('keeps the tensor count flat', async () => {
    const { state } = await trainWithCheckpoint({ ...BASE_CONFIG, epochs: 1 }, 5);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const run = await createRun(BASE_CONFIG);
      await run.loop.restore(state);
      run.loop.requestCheckpoint(i);
      await finish(run);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects another model unchanged', async () => {
    const { state } = await trainWithCheckpoint({ ...BASE_CONFIG, epochs: 1 }, 5);
    const run = await createRun({ ...BASE_CONFIG, latent: 4 });
    const before = valuesOf(run.model.encoder);

    const restore = run.loop.restore(state);
    await expect(restore).rejects.toThrow(CheckpointMismatchError);
    await expect(restore).rejects.toThrow(
      /^encoder weight 0 \(.*kernel\) has shape \[784, 8\] in the checkpoint and \[784, 4\] in this model; resume with the same --model, --latent/,
    );
    expect(valuesOf(run.model.encoder)).toEqual(before);
    await finish(run);
  });

  it('rejects another optimizer', async () => {
    const { state } = await trainWithCheckpoint({ ...BASE_CONFIG, epochs: 1 }, 5);
    const run = await createRun({ ...BASE_CONFIG, optimizer: 'sgd', learningRate: 0.1 });

    await expect(run.loop.restore(state)).rejects.toThrow(/the checkpoint has 8 optimizer slots, but SGD keeps 0 per variable/);
    await finish(run);
  });
});
