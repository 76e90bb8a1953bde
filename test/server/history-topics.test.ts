// The reconstruction-history and weight-histograms topics against a real
// host: a late joiner gets the run from step 0, and a viewer who follows the
// live frames from the start ends with the same history as the host.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LiveStore } from '../../client/src/live/live-store';
import { RECONSTRUCTION_HISTORY_CAPACITY } from '../../server/broadcast/reconstruction-history';
import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import { startTestHost, TestViewer, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

const TOPICS = '?topics=reconstruction-history,weight-histograms';

let host: TestHost;
let earlyViewer: TestViewer;

beforeAll(async () => {
  // A refresh every 2 steps at an unthrottled rate gives a few hundred history offers, enough to thin the reconstructions.
  host = await startTestHost([
    ...['--shapes-count', '1200', '--batch-size', '16', '--epochs', '3', '--recon-every', '2'],
    ...['--topic-rates', 'reconstruction-history=1000,weight-histograms=1000'],
  ]);
  earlyViewer = new TestViewer(host, TOPICS);
  await earlyViewer.open();
  await waitFor('the end of training', () => host.history.status(0).state === 'finished', 120_000);
});

afterAll(async () => {
  earlyViewer?.close();
  await host?.dispose();
});

const ofType = <T extends FrameType>(frames: Frame[], type: T) =>
  frames.filter((frame): frame is Extract<Frame, { type: T }> => frame.type === type);

/** Applies every frame a viewer received to a fresh page store. */
function storeOf(frames: readonly Frame[]): LiveStore {
  const store = new LiveStore();
  frames.forEach((frame) => store.applyFrame(frame));
  return store;
}

async function lateJoiner(): Promise<TestViewer> {
  const viewer = new TestViewer(host, TOPICS);
  await viewer.open();
  await waitFor('both history frames', () => viewer.frames.some((f) => f.type === FrameType.WeightHistogramHistory) && viewer.frames.some((f) => f.type === FrameType.ReconstructionHistory));
  return viewer;
}

describe('reconstruction history topic', () => {
  it('sends a late joiner the run from step 0', async () => {
    const viewer = await lateJoiner();
    const [frame] = ofType(viewer.frames, FrameType.ReconstructionHistory);
    viewer.close();

    const steps = frame.body.entries.map((entry) => entry.step);
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(host.history.status(0).step);
    expect(frame.body.probes.count).toBe(frame.body.entries[0].count);
  });

  it('thins the history to its capacity', () => {
    const body = host.history.reconstructionHistory.historyBody()!;
    expect(body.entries.length).toBeLessThanOrEqual(RECONSTRUCTION_HISTORY_CAPACITY);
    expect(body.entries.length).toBeGreaterThan(RECONSTRUCTION_HISTORY_CAPACITY / 2);
  });

  it('leaves a live viewer with the host history', () => {
    const store = storeOf(earlyViewer.frames);
    const hostSteps = host.history.reconstructionHistory.historyBody()!.entries.map((entry) => entry.step);
    expect(store.reconstructionHistory?.entries.map((entry) => entry.step)).toEqual(hostSteps);
  });

  it('sends live additions with the retained steps', () => {
    const added = ofType(earlyViewer.frames, FrameType.ReconstructionAdded);
    expect(added.length).toBeGreaterThan(RECONSTRUCTION_HISTORY_CAPACITY);
    for (const frame of added) expect(frame.body.retainedSteps.at(-1)).toBe(frame.body.entry.step);
  });
});

describe('weight histograms topic', () => {
  it('sends a late joiner histograms of every encoder and decoder tensor', async () => {
    const viewer = await lateJoiner();
    const [frame] = ofType(viewer.frames, FrameType.WeightHistogramHistory);
    viewer.close();

    const encoderNames = host.history.encoderWeights!.weights.map((weight) => `encoder/${weight.name}`);
    const decoderNames = host.history.decoderWeights!.weights.map((weight) => `decoder/${weight.name}`);
    expect(frame.body.names).toEqual([...encoderNames, ...decoderNames]);
    expect(frame.body.sizes).toEqual([784 * 8, 8, 8 * 784, 784]);
    expect(frame.body.entries[0].step).toBe(0);
  });

  it('changes the kernel histogram as training goes on', () => {
    const entries = host.history.weightHistograms.historyBody()!.entries;
    const spread = (index: number) => entries[index].tensors[0].max - entries[index].tensors[0].min;
    expect(spread(entries.length - 1)).not.toBe(spread(0));
  });

  it('leaves a live viewer with the host history', () => {
    const store = storeOf(earlyViewer.frames);
    const hostSteps = host.history.weightHistograms.historyBody()!.entries.map((entry) => entry.step);
    expect(store.weightHistograms?.entries.map((entry) => entry.step)).toEqual(hostSteps);
  });
});

describe('a new run', () => {
  it('starts both histories again from step 0', async () => {
    const oldRunId = host.history.runId;
    await host.runs.restart({}, 'restarted by the history test');
    await waitFor('a new run', () => host.history.runId !== oldRunId);
    await waitFor('the new run at step 20', () => host.history.status(0).step >= 20, 60_000);

    const reconstructionSteps = host.history.reconstructionHistory.historyBody()!.entries.map((entry) => entry.step);
    const histogramSteps = host.history.weightHistograms.historyBody()!.entries.map((entry) => entry.step);
    expect(reconstructionSteps[0]).toBe(0);
    expect(histogramSteps[0]).toBe(0);
  });

  it('replaces the live viewer history with the new run', async () => {
    await waitFor('the new run in the live viewer', () => {
      const store = storeOf(earlyViewer.frames);
      const hostSteps = host.history.reconstructionHistory.historyBody()!.entries.map((entry) => entry.step);
      const pageSteps = store.reconstructionHistory?.entries.map((entry) => entry.step) ?? [];
      return store.status?.runId === host.history.runId && pageSteps.join() === hostSteps.join();
    });
  });
});
