import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import type { HostStatus } from '../../shared/training';
import { startTestHost, TestViewer, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

let host: TestHost;
let viewers: TestViewer[] = [];

/** Opens a viewer that afterEach closes, even when the test fails. */
async function openViewer(): Promise<TestViewer> {
  const viewer = new TestViewer(host);
  viewers.push(viewer);
  await viewer.open();
  return viewer;
}

afterEach(() => {
  viewers.forEach((viewer) => viewer.close());
  viewers = [];
});

beforeAll(async () => {
  host = await startTestHost();
});

afterAll(async () => {
  await host?.dispose();
});

const ofType = <T extends FrameType>(frames: Frame[], type: T) =>
  frames.filter((frame): frame is Extract<Frame, { type: T }> => frame.type === type);

describe('host HTTP API', () => {
  it('answers /healthz with 200', async () => {
    const response = await fetch(new URL('/healthz', host.url));
    expect(response.status).toBe(200);
  });

  it('returns the status fields as JSON', async () => {
    const status = (await (await fetch(new URL('/api/status', host.url))).json()) as HostStatus;
    expect(Object.keys(status).sort()).toEqual(
      ['backend', 'dataset', 'earlierRuns', 'epoch', 'epochs', 'lastLoss', 'lastValidationLoss', 'latent', 'layerSizes', 'learningRate', 'model', 'modelFileError', 'runId', 'runReason', 'runStartedAt', 'state', 'stateReason', 'step', 'viewers'].sort(),
    );
    expect(status).toMatchObject({ backend: { name: 'wasm' }, dataset: { name: 'shapes' }, model: 'dense', layerSizes: [784, 8, 784], latent: 8, epochs: 3, modelFileError: null });
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const response = await fetch(new URL('/api/nope', host.url));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no API route GET /api/nope' });
  });
});

describe('WebSocket viewers', () => {
  it('sends a late joiner the whole history before live updates', async () => {
    await waitFor('the first epoch', () => host.history.epochs.length >= 1);
    const historyLength = host.history.losses.length;

    const viewer = await openViewer();
    await waitFor('the snapshot', () => viewer.frames.length >= 8);

    const [hello, losses, epochs, probes, reconstructions, encoder, decoder, latent] = viewer.frames;
    expect(hello.type).toBe(FrameType.Hello);
    expect(losses.type).toBe(FrameType.StepLosses);
    expect((losses.body as unknown[]).length).toBeGreaterThanOrEqual(historyLength);
    expect((losses.body as { step: number }[])[0].step).toBe(1);
    expect(epochs.type).toBe(FrameType.Epochs);
    expect((epochs.body as unknown[]).length).toBeGreaterThanOrEqual(1);
    expect(probes.type).toBe(FrameType.Probes);
    expect(reconstructions.type).toBe(FrameType.Reconstructions);
    expect(encoder.type).toBe(FrameType.EncoderWeights);
    expect(decoder.type).toBe(FrameType.DecoderWeights);
    expect(latent.type).toBe(FrameType.LatentMap);
  });

  it('streams live step losses that continue the history without gaps', async () => {
    const viewer = await openViewer();
    await waitFor('the run to finish', () => host.history.status(0).state === 'finished');
    await waitFor('the last epoch to reach the viewer', () => ofType(viewer.frames, FrameType.Epochs).some((frame) => frame.body.at(-1)?.epoch === 3));

    const steps = ofType(viewer.frames, FrameType.StepLosses).flatMap((frame) => frame.body.map((point) => point.step));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  });

  it('counts connected viewers in the status', async () => {
    const pair = await Promise.all([openViewer(), openViewer()]);
    await waitFor('two viewers in the status', async () => (await statusViewers()) === 2);
    pair.forEach((viewer) => viewer.close());
    await waitFor('no viewers in the status', async () => (await statusViewers()) === 0);
  });
});

async function statusViewers(): Promise<number> {
  const status = (await (await fetch(new URL('/api/status', host.url))).json()) as HostStatus;
  return status.viewers;
}
