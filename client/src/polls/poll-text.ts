// Sentences about polls shared by the viewer's poll, the overlay panel and
// the host's poll admin, so that the three use the same words.

import { formatCountdown } from '../../../shared/polls';
import type { OpenPoll, PollApplication, PollCloseReason, PollResult } from '../../../shared/polls';
import { formatVotes, totalVotes } from './poll-state';

const CLOSE_REASONS: Record<PollCloseReason, string> = {
  time: 'Voting ended.',
  host: 'The streamer closed the poll early.',
  cancelled: 'The streamer cancelled the poll.',
  'host-down': 'The poll ended while the host was offline.',
};

const APPLICATION_PREFIXES: Record<PollApplication['status'], string> = {
  pending: 'In progress',
  applied: 'Applied',
  failed: 'Failed',
  skipped: 'Not applied',
};

/** Describes a result's outcome, such as `"16" won with 5 of 9 votes.` */
export function outcomeSentence(result: PollResult): string {
  const total = totalVotes(result.tallies);
  if (result.outcome === 'no-votes') return 'No votes were cast.';
  if (result.outcome === 'winner') {
    const winner = result.winner!;
    return `"${result.options[winner].label}" won with ${result.tallies[winner]} of ${formatVotes(total)}.`;
  }

  const most = Math.max(...result.tallies);
  const leaders = result.options.filter((_, index) => result.tallies[index] === most).map((option) => `"${option.label}"`);
  return `Tie between ${leaders.join(' and ')} with ${formatVotes(most)} each.`;
}

/** Describes why a poll closed. */
export function closeReasonSentence(reason: PollCloseReason): string {
  return CLOSE_REASONS[reason];
}

/**
 * Describes what a bound poll did to the run, such as `Applied: a new run
 * started with latent size 16`, or returns '' for a plain poll. After a tie
 * or without votes the outcome sentence already gives the reason, so this one is short.
 */
export function applicationSentence(result: PollResult): string {
  const application = result.application;
  if (!application) return '';
  if (result.outcome !== 'winner') return 'Nothing was applied to the run.';
  return `${APPLICATION_PREFIXES[application.status]}: ${application.message}`;
}

/** Returns the seconds left to vote in `poll` at page time `now`, corrected by the host's clock offset; never below 0. */
export function secondsLeft(poll: OpenPoll, now: number, clockOffsetMs: number): number {
  return Math.max(0, (poll.endsAt - (now + clockOffsetMs)) / 1000);
}

/** Describes the time left, such as `Closes in 1:05`, or that voting has ended. */
export function countdownText(seconds: number): string {
  return seconds > 0 ? `Closes in ${formatCountdown(seconds)}` : 'Voting has ended';
}
