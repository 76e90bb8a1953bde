// Polls as a page keeps them: the open poll with live tallies and the last
// result, kept up to date from the `polls` topic's frames. Pure functions, so
// the store and tests can apply frames without a socket.

import type { OpenPoll, PollResult, PollsState, PollVote } from '../../../shared/polls';
import { FrameType } from '../../../shared/protocol/frames';
import type { Frame, PollTalliesBody } from '../../../shared/protocol/frames';

/** Poll state a page shows, replaced (never mutated) on every change. */
export interface PollsView {
  /** The open poll with its latest tallies, or null. */
  open: OpenPoll | null;
  /** Result of the most recently closed poll, or null. */
  last: PollResult | null;
  /** Host clock minus page clock when the latest PollState frame arrived, in milliseconds; corrects the countdown. */
  clockOffsetMs: number;
  /** This page's latest vote over the WebSocket, from a PollVoted frame, or null. */
  ownVote: PollVote | null;
  /**
   * Page time of the latest news about `last`, in milliseconds: the arrival
   * of its PollResult frame, or its closing time when it came in a PollState.
   */
  lastNewsAt: number;
}

export const EMPTY_POLLS: PollsView = { open: null, last: null, clockOffsetMs: 0, ownVote: null, lastNewsAt: -Infinity };

/** Seconds a result stays on the overlay after its latest news, by default. */
export const RESULT_HOLD_SECONDS = 60;

/** Returns the view a PollState frame describes, received at page time `receivedAt`. */
export function pollsFromState(view: PollsView, state: PollsState, receivedAt: number = Date.now()): PollsView {
  const ownVote = state.open && view.ownVote?.pollId === state.open.id ? view.ownVote : null;
  const clockOffsetMs = state.serverTime - receivedAt;
  const lastNewsAt = state.last ? state.last.closedAt - clockOffsetMs : -Infinity;
  return { open: state.open, last: state.last, clockOffsetMs, ownVote, lastNewsAt };
}

/** Returns the view with the open poll's latest tallies; tallies of another poll are stale and ignored. */
export function pollsWithTallies(view: PollsView, body: PollTalliesBody): PollsView {
  if (!view.open || view.open.id !== body.pollId || body.tallies.length !== view.open.options.length) return view;
  return { ...view, open: { ...view.open, tallies: body.tallies } };
}

/**
 * Returns the view after a result: the poll it closes is no longer open, and
 * the result replaces the last one unless that belongs to a later poll. A
 * second result of the same poll updates what was applied to the run.
 */
export function pollsWithResult(view: PollsView, result: PollResult, receivedAt: number = Date.now()): PollsView {
  const open = view.open?.id === result.id ? null : view.open;
  if (view.last && view.last.id > result.id) return { ...view, open };
  return { ...view, open, last: result, lastNewsAt: receivedAt };
}

/**
 * Returns whether a poll is news at page time `now`: a poll is open, a
 * result is still being applied, or the last result changed less than
 * `holdSeconds` ago. The overlay shows its polls panel only then.
 */
export function hasPollNews(view: PollsView, now: number, holdSeconds: number = RESULT_HOLD_SECONDS): boolean {
  if (view.open) return true;
  if (!view.last) return false;
  return view.last.application?.status === 'pending' || now - view.lastNewsAt < holdSeconds * 1000;
}

/** Returns the view with this page's vote over the WebSocket. */
export function pollsWithOwnVote(view: PollsView, vote: PollVote): PollsView {
  return { ...view, ownVote: vote };
}

/** Returns the number of votes cast in a poll. */
export function totalVotes(tallies: readonly number[]): number {
  return tallies.reduce((sum, votes) => sum + votes, 0);
}

/** Returns an option's share of the votes as a whole percentage, 0 without votes. */
export function sharePercent(votes: number, total: number): number {
  return total === 0 ? 0 : Math.round((votes / total) * 100);
}

/** Formats a vote count, such as `1 vote` or `12 votes`. */
export function formatVotes(count: number): string {
  return `${count} ${count === 1 ? 'vote' : 'votes'}`;
}

/**
 * Returns the view after one polls-topic frame, or null when the frame
 * belongs to another topic. The viewer's store and the overlay's both use it.
 */
export function pollsAfterFrame(view: PollsView, frame: Frame): PollsView | null {
  switch (frame.type) {
    case FrameType.PollState:
      return pollsFromState(view, frame.body);
    case FrameType.PollTallies:
      return pollsWithTallies(view, frame.body);
    case FrameType.PollResult:
      return pollsWithResult(view, frame.body);
    case FrameType.PollVoted:
      return pollsWithOwnVote(view, frame.body);
    default:
      return null;
  }
}
