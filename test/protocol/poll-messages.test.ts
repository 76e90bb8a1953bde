import { describe, expect, it } from 'vitest';

import { OverlayStore } from '../../client/src/overlay/overlay-store';
import { EMPTY_POLLS, hasPollNews, pollsFromState, pollsWithOwnVote, pollsWithResult, pollsWithTallies, sharePercent } from '../../client/src/polls/poll-state';
import { applicationSentence, outcomeSentence } from '../../client/src/polls/poll-text';
import { decideOutcome } from '../../server/polls/outcome';
import { formatCountdown, readPollRequest } from '../../shared/polls';
import type { OpenPoll, PollResult, PollsState } from '../../shared/polls';
import { ClientMessageError, ClientMessageType, decodeClientMessage, encodeClientMessage } from '../../shared/protocol/client-messages';
import {
  decodeFrame,
  encodePollResult,
  encodePollState,
  encodePollTallies,
  encodePollVoted,
  FrameType,
  HEADER_BYTES,
  PROTOCOL_VERSION,
} from '../../shared/protocol/frames';

const OPEN: OpenPoll = {
  id: 4,
  question: 'Latent size?',
  options: [{ label: '2', value: 2 }, { label: '16', value: 16 }],
  setting: 'latent',
  openedAt: 1_000,
  endsAt: 61_000,
  tallies: [3, 5],
};

const RESULT: PollResult = {
  id: 4,
  question: 'Latent size?',
  options: OPEN.options,
  setting: 'latent',
  openedAt: 1_000,
  closedAt: 61_000,
  closeReason: 'time',
  tallies: [3, 5],
  outcome: 'winner',
  winner: 1,
  application: { status: 'pending', setting: 'latent', value: 16, message: 'starting a new run with latent size 16' },
};

function voteMessage(body: string): Uint8Array {
  const json = new TextEncoder().encode(body);
  const bytes = new Uint8Array(HEADER_BYTES + json.length);
  bytes[0] = PROTOCOL_VERSION;
  bytes[1] = ClientMessageType.PollVote;
  bytes.set(json, HEADER_BYTES);
  return bytes;
}

describe('poll frames', () => {
  it('round-trips the state, a result and a vote', () => {
    const state: PollsState = { open: OPEN, last: RESULT, serverTime: 12_345 };
    expect(decodeFrame(encodePollState(7, state))).toEqual({ type: FrameType.PollState, seq: 7, step: 0, body: state });
    expect(decodeFrame(encodePollResult(8, RESULT))).toEqual({ type: FrameType.PollResult, seq: 8, step: 0, body: RESULT });
    expect(decodeFrame(encodePollVoted(9, { pollId: 4, option: 1 }))).toEqual({ type: FrameType.PollVoted, seq: 9, step: 0, body: { pollId: 4, option: 1 } });
  });

  it('round-trips tallies as u32 counts', () => {
    const bytes = encodePollTallies(3, { pollId: 4_000_000_000, tallies: [0, 70_000, 5] });
    expect(bytes.length).toBe(HEADER_BYTES + 8 + 12);
    expect(decodeFrame(bytes)).toEqual({ type: FrameType.PollTallies, seq: 3, step: 0, body: { pollId: 4_000_000_000, tallies: [0, 70_000, 5] } });
  });

  it('rejects a truncated tally frame', () => {
    const bytes = encodePollTallies(3, { pollId: 4, tallies: [1, 2] });
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(/poll tally frame has 25 bytes; 2 options need 26/);
    expect(() => decodeFrame(bytes.subarray(0, HEADER_BYTES + 4))).toThrow(/truncated before its option count/);
  });
});

describe('poll vote message', () => {
  it('round-trips a vote', () => {
    const message = { type: ClientMessageType.PollVote as const, pollId: 12, option: 3 };
    expect(decodeClientMessage(encodeClientMessage(message))).toEqual(message);
  });

  it.each([
    ['a missing option', '{"pollId":1}', /expected exactly "pollId" and "option"/],
    ['an extra field', '{"pollId":1,"option":0,"weight":9}', /expected exactly "pollId" and "option"/],
    ['a negative option', '{"pollId":1,"option":-1}', /poll vote "option" is -1; it must be a whole number of 0 or more/],
    ['a fractional poll id', '{"pollId":1.5,"option":0}', /poll vote "pollId" is 1.5/],
    ['an option as a string', '{"pollId":1,"option":"0"}', /poll vote "option" is "0"/],
    ['an array body', '[1,0]', /must be a JSON object/],
  ])('rejects %s as a protocol violation', (_case, body, message) => {
    expect(() => decodeClientMessage(voteMessage(body))).toThrow(ClientMessageError);
    expect(() => decodeClientMessage(voteMessage(body))).toThrow(message);
  });
});

describe('poll outcome', () => {
  it.each([
    [[0, 0, 0], { outcome: 'no-votes', winner: null, leaders: [] }],
    [[1, 4, 2], { outcome: 'winner', winner: 1, leaders: [1] }],
    [[3, 1, 3], { outcome: 'tie', winner: null, leaders: [0, 2] }],
    [[2, 2, 2, 2, 2], { outcome: 'tie', winner: null, leaders: [0, 1, 2, 3, 4] }],
    [[0, 1], { outcome: 'winner', winner: 1, leaders: [1] }],
  ])('decides %j', (tallies, decision) => {
    expect(decideOutcome(tallies)).toEqual(decision);
  });
});

describe('poll requests', () => {
  it('trims text and defaults bound labels to their values', () => {
    const request = readPollRequest({
      question: '  Dataset?  ',
      setting: 'dataset',
      options: [{ value: ' mnist ' }, { value: 'data/samples/' }, { value: 'shapes', label: ' outlines ' }],
      durationSeconds: 15,
    });
    expect(request).toEqual({
      question: 'Dataset?',
      setting: 'dataset',
      durationSeconds: 15,
      options: [
        { label: 'mnist', value: 'mnist' },
        { label: 'samples', value: 'data/samples/' },
        { label: 'outlines', value: 'shapes' },
      ],
    });
  });

  it('accepts the range ends', () => {
    expect(readPollRequest({ question: 'q', options: ['a', 'b', 'c', 'd', 'e'], durationSeconds: 1800 }).options).toHaveLength(5);
    const bound = readPollRequest({ question: 'q', setting: 'denoise', options: [{ value: 0 }, { value: 1 }], durationSeconds: 15 });
    expect(bound.options.map((option) => option.value)).toEqual([0, 1]);
    const latent = readPollRequest({ question: 'q', setting: 'latent', options: [{ value: 1 }, { value: 1024 }], durationSeconds: 15 });
    expect(latent.options.map((option) => option.label)).toEqual(['1', '1024']);
  });

  it.each([
    [0, '0:00'],
    [0.2, '0:01'],
    [59, '0:59'],
    [60, '1:00'],
    [1800, '30:00'],
  ])('formats %d s as %s', (seconds, text) => {
    expect(formatCountdown(seconds)).toBe(text);
  });
});

describe('page poll state', () => {
  it('corrects the clock from the state frame', () => {
    const view = pollsFromState(EMPTY_POLLS, { open: OPEN, last: RESULT, serverTime: 70_000 }, 69_000);
    expect(view).toEqual({ open: OPEN, last: RESULT, clockOffsetMs: 1_000, ownVote: null, lastNewsAt: 60_000 });
  });

  it('holds a result as news for a while', () => {
    const closed = pollsWithResult(EMPTY_POLLS, { ...RESULT, application: null }, 100_000);
    expect(hasPollNews(EMPTY_POLLS, 100_000)).toBe(false);
    expect(hasPollNews(closed, 159_999)).toBe(true);
    expect(hasPollNews(closed, 160_000)).toBe(false);
    expect(hasPollNews(closed, 105_000, 5)).toBe(false);
    expect(hasPollNews(pollsWithResult(EMPTY_POLLS, RESULT, 0), 1_000_000)).toBe(true);
    expect(hasPollNews(pollsFromState(EMPTY_POLLS, { open: OPEN, last: null, serverTime: 0 }, 0), 1_000_000)).toBe(true);
  });

  it('keeps polls in the overlay store', () => {
    const store = new OverlayStore();
    store.applyFrame({ type: FrameType.PollState, seq: 1, step: 0, body: { open: OPEN, last: null, serverTime: Date.now() } });
    store.applyFrame({ type: FrameType.PollTallies, seq: 2, step: 0, body: { pollId: 4, tallies: [6, 5] } });
    expect(store.polls.open?.tallies).toEqual([6, 5]);

    store.applyFrame({ type: FrameType.PollResult, seq: 3, step: 0, body: RESULT });
    expect(store.polls.open).toBeNull();
    expect(store.polls.last).toBe(RESULT);
  });

  it('applies tallies of the open poll only', () => {
    const view = pollsFromState(EMPTY_POLLS, { open: OPEN, last: null, serverTime: 0 }, 0);
    expect(pollsWithTallies(view, { pollId: 4, tallies: [4, 5] }).open?.tallies).toEqual([4, 5]);
    expect(pollsWithTallies(view, { pollId: 3, tallies: [9, 9] })).toBe(view);
    expect(pollsWithTallies(view, { pollId: 4, tallies: [1, 2, 3] })).toBe(view);
  });

  it('closes the open poll on its result', () => {
    const view = pollsFromState(EMPTY_POLLS, { open: OPEN, last: null, serverTime: 0 }, 0);
    const closed = pollsWithResult(view, RESULT);
    expect(closed.open).toBeNull();
    expect(closed.last).toBe(RESULT);

    const applied = { ...RESULT, application: { ...RESULT.application!, status: 'applied' as const } };
    expect(pollsWithResult(closed, applied).last).toBe(applied);
    expect(pollsWithResult(pollsWithResult(closed, { ...RESULT, id: 9 }), RESULT).last?.id).toBe(9);
  });

  it('keeps an own vote only for the open poll', () => {
    const view = pollsWithOwnVote(pollsFromState(EMPTY_POLLS, { open: OPEN, last: null, serverTime: 0 }, 0), { pollId: 4, option: 1 });
    expect(view.ownVote).toEqual({ pollId: 4, option: 1 });
    expect(pollsFromState(view, { open: OPEN, last: null, serverTime: 0 }, 0).ownVote).toEqual({ pollId: 4, option: 1 });
    expect(pollsFromState(view, { open: { ...OPEN, id: 5 }, last: null, serverTime: 0 }, 0).ownVote).toBeNull();
  });

  it('describes outcomes for viewers', () => {
    expect(outcomeSentence(RESULT)).toBe('"16" won with 5 of 8 votes.');
    expect(outcomeSentence({ ...RESULT, outcome: 'tie', winner: null, tallies: [2, 2] })).toBe('Tie between "2" and "16" with 2 votes each.');
    expect(outcomeSentence({ ...RESULT, outcome: 'no-votes', winner: null, tallies: [0, 0] })).toBe('No votes were cast.');
    expect(applicationSentence(RESULT)).toBe('In progress: starting a new run with latent size 16');
    expect(applicationSentence({ ...RESULT, outcome: 'tie', winner: null })).toBe('Nothing was applied to the run.');
    expect(applicationSentence({ ...RESULT, application: null })).toBe('');
    expect(sharePercent(1, 3)).toBe(33);
    expect(sharePercent(0, 0)).toBe(0);
  });
});
