import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { BackendInfo, RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { BackendError, selectBackend } from '../../server/trainer/backend';
import { prepareModel } from '../../server/trainer/backend-fallback';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import { preflight, PreflightError } from '../../server/trainer/preflight';
import { BASE_CONFIG, epochsOf, subset, train } from './fixtures';

const WASM: BackendInfo = { name: 'wasm', reason: 'requested by the test' };

let dataset: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = subset(await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 }), 256, 60);
});

afterEach(async () => {
  await selectBackend('wasm');
});

/** Runs `body` with the WASM backend's kernel `name` unregistered, as on a TensorFlow.js build that lacks it. */
async function withoutWasmKernel<T>(name: string, body: () => Promise<T>): Promise<T> {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the WASM backend has no kernel ${name} to take away`);
  tf.unregisterKernel(name, 'wasm');
  try {
    return await body();
  } finally {
    tf.registerKernel(kernel);
  }
}

function recordEvents(): { events: WorkerEvent[]; emit: (event: WorkerEvent) => void } {
  const events: WorkerEvent[] = [];
  return { events, emit: (event) => events.push(event) };
}

describe('preflight', () => {
  it.each(['dense', 'conv', 'vae'] as const)('restores %s weights and tensors', async (kind) => {
    const config: RunConfig = { ...BASE_CONFIG, model: kind, denoise: 0.2 };
    const model = await buildAutoencoder(config);
    const before = [...model.encoder.getWeights(), ...model.decoder.getWeights()].map((weight) => Array.from(weight.dataSync()));
    const tensors = tf.memory().numTensors;

    preflight(model, config, dataset);

    const after = [...model.encoder.getWeights(), ...model.decoder.getWeights()].map((weight) => Array.from(weight.dataSync()));
    expect(after).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    disposeAutoencoder(model);
  });

  it('rejects a non-finite first loss', async () => {
    const model = await buildAutoencoder(BASE_CONFIG);
    const [kernel, bias] = model.decoder.getWeights();
    const poisoned = tf.fill(bias.shape, NaN);
    model.decoder.setWeights([kernel, poisoned]);
    const tensors = tf.memory().numTensors;

    let failure: unknown = null;
    try {
      preflight(model, BASE_CONFIG, dataset);
    } catch (error) {
      failure = error;
    }

    expect(failure).toBeInstanceOf(PreflightError);
    expect((failure as PreflightError).notFinite).toBe(true);
    expect((failure as PreflightError).message).toMatch(/gave a loss of NaN, which is not finite; lower --lr/);
    expect(tf.memory().numTensors).toBe(tensors);
    poisoned.dispose();
    disposeAutoencoder(model);
  });
});

describe('backend fallback', () => {
  it('keeps a backend that trains', async () => {
    const { events, emit } = recordEvents();
    const prepared = await prepareModel({ ...BASE_CONFIG, model: 'conv', backend: 'auto' }, dataset, WASM, emit);

    expect(prepared.backend).toBe(WASM);
    expect(tf.getBackend()).toBe('wasm');
    expect(events).toEqual([]);
    disposeAutoencoder(prepared.model);
  });

  it('falls back to CPU on missing kernel', async () => {
    const tensors = tf.memory().numTensors;
    const { events, emit } = recordEvents();

    const prepared = await withoutWasmKernel('_FusedMatMul', () => prepareModel({ ...BASE_CONFIG, backend: 'auto' }, dataset, WASM, emit));

    expect(tf.getBackend()).toBe('cpu');
    expect(prepared.backend.name).toBe('cpu');
    expect(prepared.backend.reason).toBe(
      'the wasm backend lacks the kernel _FusedMatMul, which training --model dense needs, so training runs on the slower CPU backend instead of wasm',
    );
    expect(events).toEqual([{ type: 'warning', message: prepared.backend.reason }]);
    disposeAutoencoder(prepared.model);
    expect(tf.memory().numTensors).toBe(tensors);

    // The fallback holds for the whole run: a short run on the CPU backend trains without failing.
    const epochs = epochsOf(await train(dataset, { epochs: 2 }));
    expect(epochs).toHaveLength(2);
    expect(epochs.every((summary) => Number.isFinite(summary.validationLoss))).toBe(true);
  });

  it('falls back for conv without filter gradient', async () => {
    const { emit } = recordEvents();
    const config: RunConfig = { ...BASE_CONFIG, model: 'conv', batchSize: 8, backend: 'auto' };

    const prepared = await withoutWasmKernel('Conv2DBackpropFilter', () => prepareModel(config, subset(dataset, 8, 8), WASM, emit));

    expect(prepared.backend.name).toBe('cpu');
    expect(prepared.backend.reason).toMatch(/^the wasm backend lacks the kernel Conv2DBackpropFilter, which training --model conv needs/);
    disposeAutoencoder(prepared.model);
  });

  it('fails an explicit --backend that cannot train', async () => {
    const { events, emit } = recordEvents();
    const tensors = tf.memory().numTensors;

    const start = withoutWasmKernel('_FusedMatMul', () => prepareModel({ ...BASE_CONFIG, backend: 'wasm' }, dataset, WASM, emit));

    await expect(start).rejects.toThrow(BackendError);
    await expect(start).rejects.toThrow(
      '--backend wasm cannot train --model dense: the wasm backend lacks the kernel _FusedMatMul, which training --model dense needs. ' +
        'Use --backend auto, which moves training to the CPU backend, or --backend cpu.',
    );
    expect(tf.getBackend()).toBe('wasm');
    expect(events).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
