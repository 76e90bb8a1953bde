import { describe, expect, it } from 'vitest';

import { LiveStore } from '../../client/src/live/live-store';
import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import type { HostStatus, RunConfig } from '../../shared/training';

const config = { dataset: 'shapes', latent: 8 } as RunConfig;
const status = { runId: 'run-a', runReason: 'host start', step: 0 } as HostStatus;

function frame(type: FrameType, body: unknown): Frame {
  return { type, seq: 1, step: 0, body } as Frame;
}

function storeWithHistory(): LiveStore {
  const store = new LiveStore();
  store.applyFrame(frame(FrameType.Hello, { config, status }));
  store.applyFrame(frame(FrameType.StepLosses, [{ step: 1, loss: 0.5, elapsedMs: 10 }]));
  store.applyFrame(frame(FrameType.GalleryItems, [{ id: 1, title: null, z: [0], step: 1, runId: 'run-a', createdAt: 0, votes: 0 }]));
  return store;
}

describe('live store across runs', () => {
  it('clears the run on a RunStarted frame', () => {
    const store = storeWithHistory();

    store.applyFrame(frame(FrameType.RunStarted, { config: { ...config, latent: 16 }, status: { ...status, runId: 'run-b', runReason: 'latent size 8 → 16' } }));

    expect(store.steps).toHaveLength(0);
    expect(store.config?.latent).toBe(16);
    expect(store.newRun).toEqual({ runId: 'run-b', reason: 'latent size 8 → 16' });
    expect(store.gallery.newest).toHaveLength(1);
  });

  it('clears the run when a status has a new run id', () => {
    const store = storeWithHistory();

    store.applyFrame(frame(FrameType.Status, { ...status, runId: 'run-b', runReason: 'reset' }));

    expect(store.steps).toHaveLength(0);
    expect(store.newRun).toEqual({ runId: 'run-b', reason: 'reset' });
  });

  it('keeps the run for a status of the same run', () => {
    const store = storeWithHistory();

    store.applyFrame(frame(FrameType.Status, { ...status, step: 1 }));

    expect(store.steps).toHaveLength(1);
    expect(store.newRun).toBeNull();
  });
});
