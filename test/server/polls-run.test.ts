// Bound polls against the host's real RunManager: the winner changes the
// learning rate of the running run, starts a new run with another latent
// size, or fails to start one and reports why, while the old run trains on.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { OpenPoll, PollResult } from '../../shared/polls';
import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import { hostCall, ViewerClient } from '../helpers/gallery';
import { startTestHost, TestViewer, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

// Training goes on for the whole file, so that every restart replaces a running run.
const LONG_RUN = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '1000', '--recon-every', '20'];

let host: TestHost;
let watcher: TestViewer;
let voter: ViewerClient;
let emptyFolder: string;

beforeAll(async () => {
  host = await startTestHost(LONG_RUN);
  watcher = new TestViewer(host, '?topics=polls,status');
  await watcher.open();
  voter = await new ViewerClient(host).visit();
  emptyFolder = await mkdtemp(join(tmpdir(), 'latentcast-empty-dataset-'));
});

afterEach(() => {
  const open = host.polls.hostState().open;
  if (open) host.polls.closeEarly(open.id, false);
});

afterAll(async () => {
  watcher?.close();
  await host?.dispose();
  await rm(emptyFolder, { recursive: true, force: true });
});

const ofType = <T extends FrameType>(frames: Frame[], type: T) =>
  frames.filter((frame): frame is Extract<Frame, { type: T }> => frame.type === type);

/** Opens a bound poll, votes for option `winner`, closes it and returns the result once its application has finished. */
async function runPoll(body: object, winner: number): Promise<PollResult> {
  const opened = await hostCall(host, '/api/host/polls', host.hostToken.value, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(opened.status, await opened.clone().text()).toBe(201);
  const poll = (await opened.json()) as OpenPoll;

  const vote = await voter.request(`/api/polls/${poll.id}/vote`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ option: winner }),
  });
  expect(vote.status).toBe(200);
  expect((await hostCall(host, `/api/host/polls/${poll.id}/close`, host.hostToken.value, { method: 'POST' })).status).toBe(200);

  const finished = () => ofType(watcher.frames, FrameType.PollResult).find((frame) => frame.body.id === poll.id && frame.body.application?.status !== 'pending');
  await waitFor(`the application of poll ${poll.id}`, () => finished() !== undefined, 120_000);
  return finished()!.body;
}

describe('bound polls with the RunManager', () => {
  it('changes the learning rate of the running run', async () => {
    const runId = host.history.runId;

    const result = await runPoll({ question: 'Faster?', setting: 'learningRate', options: [{ value: 0.003 }, { value: 0.0005 }], durationSeconds: 60 }, 0);

    expect(result.application).toMatchObject({ status: 'applied', value: 0.003, message: 'learning rate 0.003 applied from the next training step' });
    expect(host.runs.config.learningRate).toBe(0.003);
    expect(host.history.runId).toBe(runId);
  });

  it('starts a new run with the winning latent size', async () => {
    const runId = host.history.runId;

    const result = await runPoll({ question: 'Latent size?', setting: 'latent', options: [{ value: 4 }, { value: 12 }], durationSeconds: 60 }, 1);

    expect(result.application).toMatchObject({ status: 'applied', value: 12, message: 'a new run started with latent size 12' });
    expect(host.history.runId).not.toBe(runId);
    expect(host.runs.config.latent).toBe(12);
    await waitFor('the new run to train', () => host.history.status(0).state === 'training' && host.history.status(0).step > 0, 60_000);
    expect(host.history.status(0).latent).toBe(12);
  }, 150_000);

  it('announces a run that failed to start', async () => {
    const runId = host.history.runId;

    const result = await runPoll({ question: 'Dataset?', setting: 'dataset', options: [{ value: 'shapes', label: 'outlines' }, { value: emptyFolder, label: 'empty' }], durationSeconds: 60 }, 1);

    expect(result.application?.status).toBe('failed');
    expect(result.application?.message).toMatch(/^restarting with dataset latentcast-empty-dataset-\w+ failed: folder "latentcast-empty-dataset-\w+" contains no images; .+; the current run keeps training$/);
    expect(result.application?.message).not.toContain(tmpdir());
    expect(host.history.runId).toBe(runId);
    expect(host.runs.lastRejection?.reason).toMatch(/^poll \d+ "Dataset\?": "empty" won with 1 of 1 vote$/);
  }, 150_000);
});
