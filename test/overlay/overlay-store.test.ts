import { describe, expect, it } from 'vitest';

import { MAX_EPOCHS, MAX_LOSS_POINTS, OverlayStore } from '../../client/src/overlay/overlay-store';
import { GALLERY_KEEP } from '../../client/src/live/gallery-state';
import { decodeFrame, encodeEpochs, encodeRunStarted } from '../../shared/protocol/frames';
import { POINTS_PER_UPDATE, SyntheticRun } from '../helpers/synthetic-run';

function feed(store: OverlayStore, frames: Uint8Array[]): void {
  for (const bytes of frames) store.applyFrame(decodeFrame(bytes));
}

function run(updates: number, runId?: string): { store: OverlayStore; run: SyntheticRun } {
  const store = new OverlayStore();
  const synthetic = new SyntheticRun(runId);
  feed(store, synthetic.joinFrames());
  for (let i = 0; i < updates; i++) feed(store, synthetic.nextUpdate());
  return { store, run: synthetic };
}

describe('OverlayStore', () => {
  it('follows the run to its newest step', () => {
    const { store, run: synthetic } = run(30);
    expect(store.latestStep).toBe(synthetic.step);
    expect(store.steps.length).toBe(30 * POINTS_PER_UPDATE);
  });

  it('bounds the loss history', () => {
    const { store } = run(5_000);
    expect(store.steps.length).toBeLessThanOrEqual(MAX_LOSS_POINTS);
    expect(store.steps[store.steps.length - 1]).toBe(5_000 * POINTS_PER_UPDATE);
  });

  it('bounds the epochs', () => {
    const { store } = run(0);
    for (let epoch = 1; epoch <= 3 * MAX_EPOCHS; epoch++) {
      store.applyFrame(decodeFrame(encodeEpochs(epoch, [{ epoch, step: epoch * 10, trainLoss: 1, validationLoss: 1, seconds: 1, samplesPerSecond: 1 }])));
    }
    expect(store.epochs.length).toBeLessThanOrEqual(MAX_EPOCHS);
    expect(store.epochs[0].epoch).toBe(1);
    expect(store.epochs.at(-1)?.epoch).toBe(3 * MAX_EPOCHS);
  });

  it('bounds the gallery', () => {
    const { store } = run(2_000);
    expect(store.gallery.newest.length).toBe(GALLERY_KEEP);
  });

  it('pairs reconstructions with the probes', () => {
    const { store } = run(50);
    expect(store.reconstructions?.count).toBe(8);
    expect(store.reconstructions?.inputs).toBe(store.probes?.images);
  });

  it('starts over on Hello', () => {
    const { store } = run(300, 'first');
    const second = new SyntheticRun('second');
    feed(store, second.joinFrames());
    feed(store, second.nextUpdate());

    expect(store.status?.runId).toBe('second');
    expect(Array.from(store.steps)).toEqual(Array.from({ length: POINTS_PER_UPDATE }, (_, i) => i + 1));
    expect(store.epochs).toEqual([]);
    expect(store.latentMap).toBeNull();
  });

  it('starts the run over on RunStarted', () => {
    const { store, run: first } = run(300, 'first');
    const galleryItems = store.gallery.newest.length;
    const second = new SyntheticRun('second');
    store.applyFrame(decodeFrame(encodeRunStarted(first.step, { config: store.config!, status: second.status() })));
    feed(store, second.nextUpdate());

    expect(store.status?.runId).toBe('second');
    expect(Array.from(store.steps)).toEqual(Array.from({ length: POINTS_PER_UPDATE }, (_, i) => i + 1));
    expect(store.latestStep).toBe(POINTS_PER_UPDATE);
    expect(store.epochs).toEqual([]);
    expect(store.reconstructions).toBeNull();
    expect(store.latentMap).toBeNull();
    expect(store.gallery.newest).toHaveLength(galleryItems);
  });

  it('starts the run over on a status of another run', () => {
    const { store } = run(300, 'first');
    const second = new SyntheticRun('second');
    feed(store, second.nextUpdate().reverse());

    expect(store.status?.runId).toBe('second');
    expect(Array.from(store.steps)).toEqual(Array.from({ length: POINTS_PER_UPDATE }, (_, i) => i + 1));
    expect(store.epochs).toEqual([]);
  });
});
