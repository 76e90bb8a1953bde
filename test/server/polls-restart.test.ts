// Stops a host and starts another on the same state folder, as a streamer
// restarting `npm start` does, and checks what became of the polls.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { OpenPoll, PollResult } from '../../shared/polls';
import { FrameType } from '../../shared/protocol/frames';
import { parseHostOptions } from '../../server/cli/options';
import type { HostOptions } from '../../server/cli/options';
import { startHost } from '../../server/host';
import type { Host } from '../../server/host';
import { POLLS_DB_FILE } from '../../server/polls/polls';
import { ViewerClient } from '../helpers/gallery';
import { SMALL_RUN, TestViewer, waitFor } from '../helpers/host';
import { openPoll } from '../helpers/polls';
import { RecordingRunControl } from '../helpers/recording-run-control';

let stateDir: string;
let running: Host | null = null;
let viewers: TestViewer[] = [];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'latentcast-polls-'));
});

afterEach(async () => {
  viewers.forEach((viewer) => viewer.close());
  viewers = [];
  await running?.close();
  running = null;
  await rm(stateDir, { recursive: true, force: true });
});

/** Starts a host on the test's state folder, stopping the previous one first. */
async function restartHost(): Promise<Host> {
  await running?.close();
  const options = parseHostOptions(['--port', '0', '--state-dir', stateDir, ...SMALL_RUN], {}) as HostOptions;
  running = await startHost(options, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  return running;
}

/** Stops the running host, so the test can change its database as if time passed. */
async function stopHost(): Promise<void> {
  await running?.close();
  running = null;
}

async function vote(client: ViewerClient, pollId: number, option: number): Promise<void> {
  const response = await client.request(`/api/polls/${pollId}/vote`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ option }),
  });
  expect(response.status).toBe(200);
}

/** Moves the end of every open poll into the past, as if the host had been down past it. */
function expireOpenPolls(): void {
  const db = new Database(join(stateDir, POLLS_DB_FILE));
  db.prepare('UPDATE polls SET ends_at = ? WHERE closed_at IS NULL').run(Date.now() - 60_000);
  db.close();
}

const LATENT = { question: 'Latent size?', setting: 'latent', options: [{ value: 4 }, { value: 16 }], durationSeconds: 600 };

describe('polls across host restarts', () => {
  it('keeps an open poll and its votes', async () => {
    const first = await restartHost();
    const poll = await openPoll(first, { question: 'Keep going?', options: ['yes', 'no'], durationSeconds: 600 });
    const voter = await new ViewerClient(first).visit();
    const other = await new ViewerClient(first).visit();
    await vote(voter, poll.id, 1);
    await vote(other, poll.id, 0);
    await vote(other, poll.id, 1);

    const second = await restartHost();
    const returning = new ViewerClient(second);
    returning.cookie = voter.cookie;

    const current = (await (await returning.request('/api/polls/current')).json()) as { open: OpenPoll; yourVote: number };
    expect(current.open).toMatchObject({ id: poll.id, question: 'Keep going?', endsAt: poll.endsAt, tallies: [0, 2] });
    expect(current.yourVote).toBe(1);

    const viewer = new TestViewer(second, '?topics=polls');
    viewers.push(viewer);
    await viewer.open();
    await waitFor('the poll state', () => viewer.frames.some((frame) => frame.type === FrameType.PollState));
    const state = viewer.frames.find((frame) => frame.type === FrameType.PollState);
    expect(state?.body).toMatchObject({ open: { id: poll.id, tallies: [0, 2] } });

    await vote(returning, poll.id, 0);
    expect(second.polls.store.tallies(poll.id, 2)).toEqual([1, 1]);
  });

  it('closes a poll that ended while the host was down', async () => {
    const first = await restartHost();
    first.polls.attachRunControl(new RecordingRunControl(first.history.config));
    const poll = await openPoll(first, LATENT);
    const voter = await new ViewerClient(first).visit();
    await vote(voter, poll.id, 1);
    await stopHost();
    expireOpenPolls();

    const second = await restartHost();
    const control = new RecordingRunControl(second.history.config);
    second.polls.attachRunControl(control);

    const current = (await (await new ViewerClient(second).request('/api/polls/current')).json()) as { open: OpenPoll | null; last: PollResult };
    expect(current.open).toBeNull();
    expect(current.last).toMatchObject({ id: poll.id, closeReason: 'host-down', outcome: 'winner', winner: 1, tallies: [0, 1] });
    expect(current.last.application).toEqual({
      status: 'skipped',
      setting: 'latent',
      value: 16,
      message: "the poll ended while the host was stopped, so latent size 16 was not applied; the host's start flags decide the run",
    });
    expect(control.calls).toEqual([]);
    expect((await openPoll(second, LATENT)).id).toBeGreaterThan(poll.id);
  });

  it('marks an unfinished application failed', async () => {
    const first = await restartHost();
    const control = new RecordingRunControl(first.history.config);
    control.restartOutcome = () => new Promise<void>(() => {});
    first.polls.attachRunControl(control);
    const poll = await openPoll(first, LATENT);
    await vote(await new ViewerClient(first).visit(), poll.id, 1);
    expect(first.polls.closeEarly(poll.id, true).application?.status).toBe('pending');
    await waitFor('the restart call', () => control.calls.length === 1);

    const second = await restartHost();

    const result = second.polls.store.result(poll.id);
    expect(result?.application).toEqual({ status: 'failed', setting: 'latent', value: 16, message: 'the host stopped before applying latent size 16; nothing was applied' });
    expect(second.polls.publicState().last?.application?.status).toBe('failed');
  });
});
