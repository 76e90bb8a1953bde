import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import pino from 'pino';
import { Registry } from 'prom-client';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { OpenPoll, PollResult } from '../../shared/polls';
import { ClientMessageType, encodeClientMessage } from '../../shared/protocol/client-messages';
import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import { GALLERY_LIMIT_DEFAULTS } from '../../server/gallery/rate-limits';
import { Polls } from '../../server/polls/polls';
import { RunStartError } from '../../server/run/run-control';
import { hostCall, ViewerClient } from '../helpers/gallery';
import { SMALL_RUN, startTestHost, TestViewer, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { RecordingRunControl } from '../helpers/recording-run-control';

// Limits far above what the tests send, so that only the rate-limit tests meet them.
const HIGH_LIMITS = ['--vote-limit', '1000/1', '--vote-limit-per-ip', '100000/1'];

let host: TestHost;
let control: RecordingRunControl;
let viewers: TestViewer[] = [];
const extraHosts: TestHost[] = [];

beforeAll(async () => {
  host = await startTestHost([...SMALL_RUN, ...HIGH_LIMITS]);
  control = new RecordingRunControl(host.history.config);
  host.polls.attachRunControl(control);
});

afterEach(() => {
  viewers.forEach((viewer) => viewer.close());
  viewers = [];
  // Every test starts without an open poll, because only one can be open at a time.
  const open = host.polls.hostState().open;
  if (open) host.polls.closeEarly(open.id, false);
  control.calls.length = 0;
  control.restartOutcome = () => Promise.resolve();
  control.config = { ...host.history.config };
});

afterAll(async () => {
  await host?.dispose();
  await Promise.all(extraHosts.map((each) => each.dispose()));
});

const ofType = <T extends FrameType>(frames: Frame[], type: T) =>
  frames.filter((frame): frame is Extract<Frame, { type: T }> => frame.type === type);

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error;
}

/** Opens a poll through the host API and returns it; fails the test on any status but 201. */
async function openPoll(body: object, target: TestHost = host): Promise<OpenPoll> {
  const response = await postPoll(body, target);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as OpenPoll;
}

function postPoll(body: object | string, target: TestHost = host, token: string | null = target.hostToken.value): Promise<Response> {
  return hostCall(target, '/api/host/polls', token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function closePoll(id: number, body: object | null = null, target: TestHost = host): Promise<Response> {
  const init: RequestInit = { method: 'POST' };
  if (body) init.headers = { 'content-type': 'application/json' };
  if (body) init.body = JSON.stringify(body);
  return hostCall(target, `/api/host/polls/${id}/close`, target.hostToken.value, init);
}

async function closed(id: number, body: object | null = null): Promise<PollResult> {
  const response = await closePoll(id, body);
  expect(response.status).toBe(200);
  return (await response.json()) as PollResult;
}

function vote(client: ViewerClient, pollId: number, option: unknown): Promise<Response> {
  return client.request(`/api/polls/${pollId}/vote`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ option }),
  });
}

async function voted(client: ViewerClient, pollId: number, option: number): Promise<{ tallies: number[]; previous: number | null }> {
  const response = await vote(client, pollId, option);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { tallies: number[]; previous: number | null };
}

async function newViewers(count: number, target: TestHost = host): Promise<ViewerClient[]> {
  return Promise.all(Array.from({ length: count }, () => new ViewerClient(target).visit()));
}

async function openViewer(target: TestHost = host, cookie?: string, query = '?topics=polls'): Promise<TestViewer> {
  const viewer = new TestViewer(target, query, cookie ? { headers: { cookie } } : {});
  viewers.push(viewer);
  await viewer.open();
  return viewer;
}

/** Waits until `viewer` has a PollResult frame for poll `id` that `accept` takes, and returns it. */
async function resultFrame(viewer: TestViewer, id: number, accept: (result: PollResult) => boolean = () => true): Promise<PollResult> {
  const find = () => ofType(viewer.frames, FrameType.PollResult).find((frame) => frame.body.id === id && accept(frame.body));
  await waitFor(`a result of poll ${id}`, () => find() !== undefined);
  return find()!.body;
}

async function metricValue(target: TestHost, sample: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', target.url))).text();
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

const PLAIN = { question: 'Which digit next?', options: ['three', 'seven', 'nine'], durationSeconds: 600 };

describe('poll votes', () => {
  it('counts one vote per viewer', async () => {
    const poll = await openPoll(PLAIN);
    const [viewer] = await newViewers(1);

    const responses = await Promise.all(Array.from({ length: 30 }, () => vote(viewer, poll.id, 1)));

    expect(responses.map((response) => response.status)).toEqual(new Array(30).fill(200));
    expect(host.polls.store.tallies(poll.id, 3)).toEqual([0, 1, 0]);
    expect(host.polls.hostState().open?.tallies).toEqual([0, 1, 0]);
  });

  it('moves a changed vote', async () => {
    const poll = await openPoll(PLAIN);
    const [viewer, other] = await newViewers(2);
    await voted(other, poll.id, 0);

    expect(await voted(viewer, poll.id, 0)).toMatchObject({ previous: null, tallies: [2, 0, 0] });
    expect(await voted(viewer, poll.id, 2)).toMatchObject({ previous: 0, tallies: [1, 0, 1] });

    const current = (await (await viewer.request('/api/polls/current')).json()) as { yourVote: number; open: OpenPoll };
    expect(current.yourVote).toBe(2);
    expect(current.open.tallies).toEqual([1, 0, 1]);
  });

  it('broadcasts coalesced tallies', async () => {
    const poll = await openPoll(PLAIN);
    const watcher = await openViewer();
    const voters = await newViewers(30);

    await Promise.all(voters.map((voter, i) => voted(voter, poll.id, i % 3)));

    const final = () => ofType(watcher.frames, FrameType.PollTallies).some((frame) => frame.body.pollId === poll.id && frame.body.tallies.join() === '10,10,10');
    await waitFor('the final tally', final);
    expect(ofType(watcher.frames, FrameType.PollTallies).length).toBeLessThan(10);
  });

  it('sends joiners the open poll and the last result', async () => {
    const first = await openPoll(PLAIN);
    const [viewer] = await newViewers(1);
    await voted(viewer, first.id, 2);
    await closed(first.id);
    const second = await openPoll({ ...PLAIN, question: 'And after that?' });
    await voted(viewer, second.id, 1);

    const joiner = await openViewer();
    await waitFor('the poll state', () => ofType(joiner.frames, FrameType.PollState).length === 1);

    const [state] = ofType(joiner.frames, FrameType.PollState);
    expect(state.body.open).toMatchObject({ id: second.id, question: 'And after that?', tallies: [0, 1, 0] });
    expect(state.body.last).toMatchObject({ id: first.id, outcome: 'winner', winner: 2, tallies: [0, 0, 1], closeReason: 'host' });
    expect(state.body.serverTime).toBeGreaterThan(0);
  });

  it('takes votes over the WebSocket', async () => {
    const poll = await openPoll(PLAIN);
    const [client] = await newViewers(1);
    const socket = await openViewer(host, client.cookie!, '?topics=status');

    socket.socket.send(encodeClientMessage({ type: ClientMessageType.PollVote, pollId: poll.id, option: 2 }));

    await waitFor('the reply', () => ofType(socket.frames, FrameType.PollVoted).length === 1);
    expect(ofType(socket.frames, FrameType.PollVoted)[0].body).toEqual({ pollId: poll.id, option: 2 });
    expect(host.polls.store.viewerVote(poll.id, client.viewerId)).toBe(2);
    expect((await (await client.request('/api/polls/current')).json()) as { yourVote: number }).toMatchObject({ yourVote: 2 });
  });

  it('answers a bad WebSocket vote with an Error frame', async () => {
    const poll = await openPoll(PLAIN);
    const [client] = await newViewers(1);
    const socket = await openViewer(host, client.cookie!, '?topics=status');

    socket.socket.send(encodeClientMessage({ type: ClientMessageType.PollVote, pollId: poll.id, option: 7 }));

    await waitFor('the error', () => ofType(socket.frames, FrameType.Error).length === 1);
    expect(ofType(socket.frames, FrameType.Error)[0].body).toEqual({ code: 'poll-invalid', message: `"option" is 7; poll ${poll.id} has options 0 to 2` });
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);
  });

  it('rejects a WebSocket vote without a cookie', async () => {
    const poll = await openPoll(PLAIN);
    const socket = await openViewer(host, undefined, '?topics=status');
    socket.socket.send(encodeClientMessage({ type: ClientMessageType.PollVote, pollId: poll.id, option: 0 }));
    await waitFor('the error', () => ofType(socket.frames, FrameType.Error).length === 1);
    expect(ofType(socket.frames, FrameType.Error)[0].body.code).toBe('poll-no-viewer-id');
    expect(host.polls.store.tallies(poll.id, 3)).toEqual([0, 0, 0]);
  });

  it.each([
    ['an option out of range', 3, /"option" is 3; poll \d+ has options 0 to 2/],
    ['a negative option', -1, /"option" is -1; it must be the 0-based index of an option/],
    ['a fractional option', 0.5, /"option" is 0.5/],
    ['an option as a string', '1', /"option" is the string "1"/],
  ])('rejects %s with 400', async (_case, option, message) => {
    const poll = await openPoll(PLAIN);
    const [viewer] = await newViewers(1);
    const response = await vote(viewer, poll.id, option);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(message);
  });

  it('rejects a vote body with extra fields', async () => {
    const poll = await openPoll(PLAIN);
    const [viewer] = await newViewers(1);
    const response = await viewer.request(`/api/polls/${poll.id}/vote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ option: 0, weight: 100 }),
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/unknown field "weight"/);
  });

  it('rejects votes for closed and unknown polls', async () => {
    const poll = await openPoll(PLAIN);
    const [viewer] = await newViewers(1);
    await closed(poll.id);

    const late = await vote(viewer, poll.id, 0);
    expect(late.status).toBe(409);
    expect(await errorOf(late)).toBe(`poll ${poll.id} has closed; votes are no longer counted`);

    const unknown = await vote(viewer, 999_999, 0);
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatch(/no poll 999999/);
  });

  it('rejects votes of a banned viewer', async () => {
    const poll = await openPoll(PLAIN);
    const [banned] = await newViewers(1);
    host.gallery.store.ban(banned.viewerId);

    const response = await vote(banned, poll.id, 0);

    expect(response.status).toBe(403);
    expect(await errorOf(response)).toMatch(/banned by the host and cannot vote in polls/);
    expect(host.polls.store.tallies(poll.id, 3)).toEqual([0, 0, 0]);
  });
});

describe('opening and closing polls', () => {
  it('rejects a second open poll with 409', async () => {
    const poll = await openPoll(PLAIN);

    const second = await postPoll({ ...PLAIN, question: 'Another?' });

    expect(second.status).toBe(409);
    expect(await errorOf(second)).toMatch(new RegExp(`poll ${poll.id} \\("Which digit next\\?"\\) is open until .*; close it with POST /api/host/polls/${poll.id}/close`));
    expect(host.polls.hostState().open?.id).toBe(poll.id);
  });

  it('closes early on the host call', async () => {
    const poll = await openPoll(PLAIN);
    const watcher = await openViewer();
    const [a, b, c] = await newViewers(3);
    await voted(a, poll.id, 1);
    await voted(b, poll.id, 1);
    await voted(c, poll.id, 0);

    const result = await closed(poll.id);

    expect(result).toMatchObject({ id: poll.id, closeReason: 'host', outcome: 'winner', winner: 1, tallies: [1, 2, 0], application: null });
    expect(await resultFrame(watcher, poll.id)).toEqual(result);
    expect(host.polls.hostState().open).toBeNull();
    expect((await closePoll(poll.id)).status).toBe(409);
    expect((await closePoll(999_999)).status).toBe(404);
  });

  it('closes when its time runs out', async () => {
    const poll = await openPoll({ ...PLAIN, durationSeconds: 15 });
    const watcher = await openViewer();
    const [viewer] = await newViewers(1);
    await voted(viewer, poll.id, 0);

    const result = await resultFrame(watcher, poll.id);

    expect(result).toMatchObject({ closeReason: 'time', outcome: 'winner', winner: 0, tallies: [1, 0, 0] });
    expect(result.closedAt).toBeGreaterThanOrEqual(poll.endsAt);
    expect((await vote(viewer, poll.id, 1)).status).toBe(409);
  }, 40_000);

  it('opens a new poll after one closed', async () => {
    const first = await openPoll(PLAIN);
    await closed(first.id);
    const second = await openPoll(PLAIN);
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('lists the open poll and recent results for the host', async () => {
    const first = await openPoll(PLAIN);
    await closed(first.id);
    const second = await openPoll(PLAIN);

    const listing = (await (await hostCall(host, '/api/host/polls', host.hostToken.value)).json()) as { open: OpenPoll; recent: PollResult[] };

    expect(listing.open.id).toBe(second.id);
    expect(listing.recent[0].id).toBe(first.id);
  });
});

describe('polls bound to a setting', () => {
  const LEARNING_RATE = { question: 'Learning rate?', setting: 'learningRate', options: [{ value: 0.01 }, { value: 0.0001, label: 'slow' }], durationSeconds: 60 };
  const LATENT = { question: 'Latent size?', setting: 'latent', options: [{ value: 2 }, { value: 16 }, { value: 32 }], durationSeconds: 60 };

  it('applies a learning rate through update', async () => {
    const poll = await openPoll(LEARNING_RATE);
    expect(poll.options).toEqual([{ label: '0.01', value: 0.01 }, { label: 'slow', value: 0.0001 }]);
    const watcher = await openViewer();
    const [a, b, c] = await newViewers(3);
    await voted(a, poll.id, 1);
    await voted(b, poll.id, 1);
    await voted(c, poll.id, 0);

    await closed(poll.id);

    const result = await resultFrame(watcher, poll.id, (each) => each.application?.status === 'applied');
    expect(result.application).toEqual({ status: 'applied', setting: 'learningRate', value: 0.0001, message: 'learning rate 0.0001 applied from the next training step' });
    expect(control.calls).toEqual([{ kind: 'update', settings: { learningRate: 0.0001 }, reason: `poll ${poll.id} "Learning rate?": "slow" won with 2 of 3 votes` }]);
  });

  it('restarts the run for a latent size', async () => {
    let finishRestart = () => {};
    control.restartOutcome = () => new Promise<void>((done) => (finishRestart = done));
    const poll = await openPoll(LATENT);
    const watcher = await openViewer();
    const [viewer] = await newViewers(1);
    await voted(viewer, poll.id, 1);

    const result = await closed(poll.id);

    expect(result.application).toEqual({ status: 'pending', setting: 'latent', value: 16, message: 'starting a new run with latent size 16' });
    await waitFor('the restart call', () => control.calls.length === 1);
    expect(control.calls[0]).toMatchObject({ kind: 'restart', changes: { latent: 16 } });
    finishRestart();
    const applied = await resultFrame(watcher, poll.id, (each) => each.application?.status === 'applied');
    expect(applied.application?.message).toBe('a new run started with latent size 16');
    expect(host.polls.store.result(poll.id)?.application?.status).toBe('applied');
  });

  it('announces a failed restart', async () => {
    control.restartOutcome = () => Promise.reject(new RunStartError('the new model ran out of memory'));
    const poll = await openPoll(LATENT);
    const watcher = await openViewer();
    const [viewer] = await newViewers(1);
    await voted(viewer, poll.id, 2);

    await closed(poll.id);

    const failed = await resultFrame(watcher, poll.id, (each) => each.application?.status === 'failed');
    expect(failed.application?.message).toBe('restarting with latent size 32 failed: the new model ran out of memory; the current run keeps training');
    expect(await metricValue(host, 'latentcast_poll_applications_total{status="failed"}')).toBeGreaterThanOrEqual(1);
  });

  it('applies nothing after a tie', async () => {
    const poll = await openPoll(LATENT);
    const [a, b, c, d] = await newViewers(4);
    await voted(a, poll.id, 1);
    await voted(b, poll.id, 2);
    await voted(c, poll.id, 2);
    await voted(c, poll.id, 1);
    await voted(d, poll.id, 2);

    const result = await closed(poll.id);

    expect(result).toMatchObject({ outcome: 'tie', winner: null, tallies: [0, 2, 2] });
    expect(result.application).toEqual({ status: 'skipped', setting: 'latent', value: null, message: 'tie between "16" and "32" with 2 votes each; nothing applied' });
    expect(control.calls).toEqual([]);
  });

  it('applies nothing without votes', async () => {
    const poll = await openPoll(LATENT);
    const result = await closed(poll.id);
    expect(result).toMatchObject({ outcome: 'no-votes', winner: null, tallies: [0, 0, 0] });
    expect(result.application).toEqual({ status: 'skipped', setting: 'latent', value: null, message: 'no votes; nothing applied' });
    expect(control.calls).toEqual([]);
  });

  it('cancels without applying', async () => {
    const poll = await openPoll(LATENT);
    const [viewer] = await newViewers(1);
    await voted(viewer, poll.id, 1);

    const result = await closed(poll.id, { apply: false });

    expect(result).toMatchObject({ closeReason: 'cancelled', winner: 1 });
    expect(result.application).toMatchObject({ status: 'skipped', value: 16, message: 'the host closed the poll without applying latent size 16' });
    expect(control.calls).toEqual([]);
  });

  it('skips a value the run already uses', async () => {
    const poll = await openPoll({ ...LATENT, options: [{ value: 8 }, { value: 16 }] });
    const [viewer] = await newViewers(1);
    await voted(viewer, poll.id, 0);

    const result = await closed(poll.id);

    expect(result.application).toMatchObject({ status: 'skipped', value: 8, message: 'the run already uses latent size 8; nothing to change' });
    expect(control.calls).toEqual([]);
  });

  it('shows viewers dataset folders by name', async () => {
    const poll = await openPoll({ question: 'Dataset?', setting: 'dataset', options: [{ value: 'mnist' }, { value: 'data/samples' }], durationSeconds: 60 });
    expect(poll.options[1]).toEqual({ label: 'samples', value: resolve('data/samples') });
    const [viewer] = await newViewers(1);
    await voted(viewer, poll.id, 1);

    const current = (await (await viewer.request('/api/polls/current')).json()) as { open: OpenPoll };
    expect(current.open.options[1]).toEqual({ label: 'samples', value: 'samples' });

    const watcher = await openViewer();
    await closed(poll.id);
    const applied = await resultFrame(watcher, poll.id, (each) => each.application?.status === 'applied');
    expect(applied.application).toMatchObject({ value: 'samples', message: 'a new run started with dataset samples' });
    expect(control.calls[0]).toMatchObject({ kind: 'restart', changes: { dataset: resolve('data/samples') } });
  });

  it('rejects a bound poll without a run control', async () => {
    // The host always attaches its RunManager, so this case needs Polls on their own.
    const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-polls-'));
    const polls = new Polls({ stateDir, limits: GALLERY_LIMIT_DEFAULTS, talliesPerSecond: 4 }, () => false, new Registry(), pino({ level: 'silent' }));
    try {
      expect(() => polls.openPoll(LATENT)).toThrow(/cannot change the run yet, so a poll bound to the latent size could not be applied; leave out "setting"/);
      expect(() => polls.openPoll(LATENT)).toThrow(expect.objectContaining({ status: 503, code: 'unavailable' }));
      expect(polls.openPoll(PLAIN).question).toBe(PLAIN.question);
    } finally {
      polls.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe('poll validation', () => {
  const LATENT = { question: 'Latent size?', setting: 'latent', durationSeconds: 60 };

  it.each([
    ['one option', { ...PLAIN, options: ['only'] }, /"options" has 1 entry; a poll takes 2 to 5 options/],
    ['six options', { ...PLAIN, options: ['a', 'b', 'c', 'd', 'e', 'f'] }, /"options" has 6 entries; a poll takes 2 to 5 options/],
    ['options that are not an array', { ...PLAIN, options: 'a,b' }, /"options" is the string "a,b"; it must be an array of 2 to 5 options/],
    ['a duration of 5 s', { ...PLAIN, durationSeconds: 5 }, /"durationSeconds" is 5; use a whole number of seconds from 15 to 1800 \(30 min\)/],
    ['a duration of an hour', { ...PLAIN, durationSeconds: 3600 }, /"durationSeconds" is 3600; use a whole number of seconds from 15 to 1800/],
    ['a fractional duration', { ...PLAIN, durationSeconds: 30.5 }, /"durationSeconds" is 30.5/],
    ['a duration as a string', { ...PLAIN, durationSeconds: '60' }, /"durationSeconds" is the string "60"/],
    ['no duration', { question: 'q', options: ['a', 'b'] }, /"durationSeconds" is missing/],
    ['a latent size of 0', { ...LATENT, options: [{ value: 0 }, { value: 8 }] }, /options\[0\]\.value is 0; a latent size is a whole number from 1 to 1024/],
    ['a latent size of 2000', { ...LATENT, options: [{ value: 8 }, { value: 2000 }] }, /options\[1\]\.value is 2000; a latent size is a whole number from 1 to 1024/],
    ['a fractional latent size', { ...LATENT, options: [{ value: 8 }, { value: 1.5 }] }, /options\[1\]\.value is 1.5; a latent size is a whole number/],
    ['a learning rate of 0', { ...LATENT, setting: 'learningRate', options: [{ value: 0 }, { value: 0.1 }] }, /options\[0\]\.value is 0; a learning rate is a number above 0/],
    ['a negative learning rate', { ...LATENT, setting: 'learningRate', options: [{ value: 0.1 }, { value: -1 }] }, /options\[1\]\.value is -1; a learning rate is a number above 0/],
    ['a denoise noise of 1.5', { ...LATENT, setting: 'denoise', options: [{ value: 0 }, { value: 1.5 }] }, /options\[1\]\.value is 1.5; a denoising noise is a number from 0 \(no noise\) to 1/],
    ['a negative denoise noise', { ...LATENT, setting: 'denoise', options: [{ value: -0.1 }, { value: 0.5 }] }, /options\[0\]\.value is -0.1; a denoising noise is a number from 0/],
    ['a missing dataset folder', { ...LATENT, setting: 'dataset', options: [{ value: 'shapes' }, { value: 'data/no-such-folder' }] }, /options\[1\]\.value "data\/no-such-folder" is not an existing folder on the host \(looked for .*\); a dataset is `shapes`, `mnist` or the path of an existing folder/],
    ['a dataset that is a file', { ...LATENT, setting: 'dataset', options: [{ value: 'package.json' }, { value: 'mnist' }] }, /options\[0\]\.value "package.json" is not an existing folder/],
    ['a dataset that is a number', { ...LATENT, setting: 'dataset', options: [{ value: 7 }, { value: 'mnist' }] }, /options\[0\]\.value is 7; a dataset is `shapes`, `mnist` or the path/],
    ['a bound option without a value', { ...LATENT, options: [{ label: 'big' }, { value: 8 }] }, /options\[0\]\.value is missing; a latent size is a whole number from 1 to 1024/],
    ['a bound option as a plain label', { ...LATENT, options: ['big', 'small'] }, /options\[0\] is the string "big"; a poll bound to the latent size takes options such as \{"value"/],
    ['a value in a plain poll', { ...PLAIN, options: [{ label: 'a', value: 3 }, 'b'] }, /options\[0\] has the unknown field "value"; it takes "label"/],
    ['an unknown setting', { ...PLAIN, setting: 'epochs' }, /"setting" is the string "epochs"; use one of "latent", "learningRate", "dataset", "denoise"/],
    ['two equal values', { ...LATENT, options: [{ value: 8 }, { value: 8, label: 'eight' }] }, /options\[1\]\.value repeats 8 of options\[0\]/],
    ['two equal labels', { ...PLAIN, options: ['same', ' same '] }, /options\[1\] repeats the label "same" of options\[0\]/],
    ['an empty question', { ...PLAIN, question: '   ' }, /"question" is empty; write 1 to 140 characters/],
    ['a long question', { ...PLAIN, question: 'q'.repeat(141) }, /"question" has 141 characters; the limit is 140/],
    ['a label with a line break', { ...PLAIN, options: ['one\ntwo', 'three'] }, /options\[0\] contains U\+000A; use printable text on one line/],
    ['a long label', { ...PLAIN, options: ['x'.repeat(61), 'y'] }, /options\[0\] has 61 characters; the limit is 60/],
    ['an extra field', { ...PLAIN, anonymous: true }, /the body has the unknown field "anonymous"/],
    ['a JSON array', [PLAIN], /the body is an array; it must be a JSON object/],
  ])('rejects %s with 400', async (_case, body, message) => {
    const response = await postPoll(body);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(message);
    expect(host.polls.hostState().open).toBeNull();
  });

  it('rejects invalid JSON', async () => {
    const response = await postPoll('{"question": ');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/the body is not valid JSON/);
  });

  it('rejects a body that is not JSON', async () => {
    const response = await hostCall(host, '/api/host/polls', host.hostToken.value, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/Content-Type: application\/json/);
  });

  it('rejects a close body other than apply', async () => {
    const poll = await openPoll(PLAIN);
    const response = await closePoll(poll.id, { apply: 'no' });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/the body takes only "apply"/);
    expect(host.polls.hostState().open?.id).toBe(poll.id);
  });
});

describe('poll rate limits', () => {
  it('limits votes per viewer and IP', async () => {
    const target = await startTestHost([...SMALL_RUN, '--vote-limit', '3/10', '--vote-limit-per-ip', '5/10']);
    extraHosts.push(target);
    const poll = await openPoll(PLAIN, target);
    const [first, second] = await newViewers(2, target);

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await vote(first, poll.id, i % 3)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await vote(first, poll.id, 0);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    expect(await errorOf(limited)).toMatch(/too many poll votes from this viewer; the limit is 3 per 10 s, so retry in \d\.\d s/);

    expect((await vote(second, poll.id, 1)).status).toBe(200);
    expect((await vote(second, poll.id, 2)).status).toBe(200);
    const ipLimited = await vote(second, poll.id, 0);
    expect(ipLimited.status).toBe(429);
    expect(await errorOf(ipLimited)).toMatch(/too many poll votes from this IP address, which all viewers behind it share; the limit is 5 per 10 s/);

    expect(await metricValue(target, 'latentcast_poll_rate_limited_total{scope="viewer"}')).toBe(2);
    expect(await metricValue(target, 'latentcast_poll_rate_limited_total{scope="ip"}')).toBe(1);
    expect(target.polls.store.tallies(poll.id, 3)).toEqual([0, 0, 2]);
  });
});

describe('poll host token', () => {
  it('rejects host calls without the token', async () => {
    const poll = await openPoll(PLAIN);
    const wrong = `${host.hostToken.value.slice(0, -1)}${host.hostToken.value.endsWith('A') ? 'B' : 'A'}`;

    for (const token of [null, wrong, '']) {
      const calls = [
        postPoll({ ...PLAIN, question: 'sneaky' }, host, token),
        hostCall(host, `/api/host/polls/${poll.id}/close`, token, { method: 'POST' }),
        hostCall(host, '/api/host/polls', token),
      ];
      for (const response of await Promise.all(calls)) {
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    expect(host.polls.hostState().open?.id).toBe(poll.id);
    expect(host.polls.hostState().open?.question).toBe(PLAIN.question);
  });
});
