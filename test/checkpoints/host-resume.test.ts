// A host killed with SIGKILL and started again on the same state folder,
// as separate processes, the way a crash and a restart happen on stream.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import type { Checkpoint } from '../../server/checkpoints/checkpoint';
import { currentCheckpointPath, readCheckpoint } from '../../server/checkpoints/store';
import type { Host } from '../../server/host';
import { TestViewer, waitFor } from '../helpers/host';
import { HostProcess } from '../helpers/host-process';

/** A small run that saves a checkpoint every second epoch, however short; 12 steps per epoch. */
const RUN = ['--shapes-count', '400', '--batch-size', '32', '--recon-every', '5', '--checkpoint-every', '2', '--checkpoint-interval', '0', '--backend', 'wasm'];

let stateDir: string;
/** The checkpoint that the killed host left behind. */
let saved: Checkpoint;
const hosts: HostProcess[] = [];
const viewers: TestViewer[] = [];

function startHost(flags: string[]): HostProcess {
  const host = new HostProcess(stateDir, [...RUN, ...flags]);
  hosts.push(host);
  return host;
}

/** Opens a viewer of `topics` on a host process and waits until it has a frame of each type in `types`. */
async function viewerWith(host: HostProcess, topics: string, types: FrameType[]): Promise<TestViewer> {
  const viewer = new TestViewer({ url: host.url } as Host, `?topics=${topics}`);
  viewers.push(viewer);
  await viewer.open();
  await waitFor(`frames of types ${types.join(', ')}`, () => types.every((type) => viewer.frames.some((frame) => frame.type === type)));
  return viewer;
}

function firstOfType<T extends FrameType>(frames: Frame[], type: T): Extract<Frame, { type: T }> {
  return frames.find((frame): frame is Extract<Frame, { type: T }> => frame.type === type)!;
}

async function stopGently(host: HostProcess): Promise<void> {
  host.kill('SIGTERM');
  await host.exited;
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'latentcast-resume-'));
});

afterAll(async () => {
  viewers.forEach((viewer) => viewer.close());
  await Promise.all(hosts.map((host) => host.dispose()));
  await rm(stateDir, { recursive: true, force: true });
});

describe('host restart on the same state folder', () => {
  it('leaves a loadable checkpoint after SIGKILL mid-epoch', async () => {
    const host = startHost(['--epochs', '1000']);
    await host.listening();
    const save = await host.waitForLog('a checkpoint', (record) => record.msg.startsWith('checkpoint saved'));
    await host.waitForLog('an epoch after the checkpoint', (record) => record.msg.startsWith('epoch ') && Number(record.epoch) > Number(save.epoch) + 1);

    host.kill('SIGKILL');
    expect((await host.exited).signal).toBe('SIGKILL');

    saved = await readCheckpoint(currentCheckpointPath(stateDir));
    expect(saved.state.epoch).toBeGreaterThanOrEqual(2);
    expect(saved.history.losses.steps.at(-1)).toBe(saved.state.step);
  });

  it('resumes the weights and history of the last checkpoint', async () => {
    // At --epochs equal to the checkpoint's epoch the resumed run is finished at once, so it shows exactly the checkpoint.
    const host = startHost(['--epochs', String(saved.state.epoch)]);
    await host.listening();
    await waitFor('the resumed run to finish', async () => (await host.status()).state === 'finished');

    const status = await host.status();
    expect(status.runId).toBe(saved.runId);
    expect(status.epoch).toBe(saved.state.epoch);
    expect(status.step).toBe(saved.state.step);

    const viewer = await viewerWith(host, 'loss,weights', [FrameType.StepLosses, FrameType.Epochs, FrameType.DecoderWeights]);
    const losses = firstOfType(viewer.frames, FrameType.StepLosses).body;
    expect(losses.map((point) => point.step)).toEqual(Array.from(saved.history.losses.steps));
    expect(Float32Array.from(losses, (point) => point.loss)).toEqual(saved.history.losses.losses);
    const epochs = firstOfType(viewer.frames, FrameType.Epochs).body;
    expect(epochs.map((summary) => [summary.epoch, summary.step])).toEqual(saved.history.epochs.map((summary) => [summary.epoch, summary.step]));

    // Weight frames are int8 with one scale per tensor: each value is within a step of 1/127 of its tensor's largest magnitude.
    const received = firstOfType(viewer.frames, FrameType.DecoderWeights).body.weights.map((weight) => weight.values);
    expect(received).toHaveLength(saved.state.decoder.length);
    saved.state.decoder.forEach((tensor, index) => {
      const largest = Math.max(...tensor.values.map(Math.abs));
      const furthest = Math.max(...received[index].map((value, i) => Math.abs(value - tensor.values[i])));
      expect(furthest).toBeLessThanOrEqual(largest / 127);
    });

    await stopGently(host);
  });

  it('continues the loss curve after the checkpoint', async () => {
    const host = startHost(['--epochs', String(saved.state.epoch + 1)]);
    await host.listening();
    await waitFor('the extra epoch to finish', async () => (await host.status()).state === 'finished');

    const viewer = await viewerWith(host, 'loss', [FrameType.StepLosses, FrameType.Epochs]);
    const losses = firstOfType(viewer.frames, FrameType.StepLosses).body;
    const steps = losses.map((point) => point.step);
    expect(steps).toEqual(steps.map((_, index) => index + 1));

    const lastSaved = saved.history.losses.elapsedMs.at(-1)!;
    const resumed = losses.filter((point) => point.step > saved.state.step);
    expect(resumed.length).toBeGreaterThan(0);
    expect(Math.min(...resumed.map((point) => point.elapsedMs))).toBeGreaterThanOrEqual(lastSaved);

    // A new model starts near 0.69 (binary cross-entropy of a coin flip); the resumed one goes on from the checkpoint's loss.
    const epochs = firstOfType(viewer.frames, FrameType.Epochs).body;
    const last = epochs.at(-1)!;
    expect(last.epoch).toBe(saved.state.epoch + 1);
    expect(last.validationLoss).toBeLessThan(saved.history.epochs.at(-1)!.validationLoss + 0.02);

    await stopGently(host);
  });
});
