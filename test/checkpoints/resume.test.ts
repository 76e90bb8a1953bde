import { describe, expect, it } from 'vitest';

import type { RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { continueRunTime, resumedConfig } from '../../server/checkpoints/resume';
import { TINY_RUN } from '../helpers/checkpoints';

const saved: RunConfig = { ...TINY_RUN, latent: 8, epochs: 10, learningRate: 0.001, backend: 'wasm' };

describe('resumed run configuration', () => {
  it('keeps the checkpoint settings when no flag is given', () => {
    const flags: RunConfig = { ...saved, latent: 32, epochs: 50, learningRate: 0.01 };
    const { config, kept, applied } = resumedConfig(saved, flags, new Set());
    expect(config).toEqual(saved);
    expect(kept).toEqual([]);
    expect(applied).toEqual([]);
  });

  it('warns about each given model flag and keeps the checkpoint value', () => {
    const flags: RunConfig = { ...saved, latent: 16, model: 'deep', hidden: [64, 32] };
    const { config, kept } = resumedConfig(saved, flags, new Set(['latent', 'model', 'hidden']));
    expect(config).toEqual(saved);
    expect(kept).toEqual([
      { flag: 'model', given: 'deep', saved: 'dense' },
      { flag: 'hidden', given: '64,32', saved: 'none' },
      { flag: 'latent', given: '16', saved: '8' },
    ]);
  });

  it('applies given --epochs and --lr', () => {
    const flags: RunConfig = { ...saved, epochs: 40, learningRate: 0.0005 };
    const { config, kept, applied } = resumedConfig(saved, flags, new Set(['epochs', 'lr']));
    expect(config).toEqual({ ...saved, epochs: 40, learningRate: 0.0005 });
    expect(kept).toEqual([]);
    expect(applied).toEqual([
      { flag: 'lr', given: '0.0005', saved: '0.001' },
      { flag: 'epochs', given: '40', saved: '10' },
    ]);
  });

  it('takes the backend from the command line', () => {
    const { config, kept, applied } = resumedConfig(saved, { ...saved, backend: 'cpu' }, new Set());
    expect(config.backend).toBe('cpu');
    expect(kept).toEqual([]);
    expect(applied).toEqual([]);
  });

  it('says nothing about a given flag equal to the checkpoint', () => {
    const { kept, applied } = resumedConfig(saved, saved, new Set(['latent', 'epochs', 'dataset']));
    expect(kept).toEqual([]);
    expect(applied).toEqual([]);
  });
});

describe('resumed run time', () => {
  it('continues step times from the checkpoint', () => {
    const event: WorkerEvent = { type: 'steps', epoch: 3, points: [{ step: 41, loss: 0.2, elapsedMs: 150 }] };
    expect(continueRunTime(event, 60_000)).toEqual({ type: 'steps', epoch: 3, points: [{ step: 41, loss: 0.2, elapsedMs: 60_150 }] });
  });

  it('moves the start time back by as much', () => {
    const ready: WorkerEvent = {
      type: 'ready',
      backend: { name: 'wasm', reason: 'test' },
      dataset: { name: 'shapes', trainCount: 360, validationCount: 40, labelNames: [] },
      layerSizes: [784, 8, 784],
      runStartedAt: 1_000_000,
    };
    expect(continueRunTime(ready, 60_000)).toMatchObject({ runStartedAt: 940_000 });
  });

  it('leaves a new run untouched', () => {
    const event: WorkerEvent = { type: 'steps', epoch: 1, points: [{ step: 1, loss: 0.7, elapsedMs: 150 }] };
    expect(continueRunTime(event, 0)).toBe(event);
  });
});
