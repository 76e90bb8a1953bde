// Deciding a closed poll: the option with the most votes wins; a tie between
// the leaders, or no votes at all, has no winner.

import type { PollOutcome } from '../../shared/polls';

/** A poll's outcome and the index of its winning option, or null without a single winner. */
export interface Decision {
  outcome: PollOutcome;
  winner: number | null;
  /** Indexes of the options with the most votes; more than one after a tie, none without votes. */
  leaders: number[];
}

/** Decides the outcome of a poll with `tallies` votes per option. */
export function decideOutcome(tallies: readonly number[]): Decision {
  const most = Math.max(0, ...tallies);
  if (most === 0) return { outcome: 'no-votes', winner: null, leaders: [] };

  const leaders = tallies.flatMap((votes, index) => (votes === most ? [index] : []));
  if (leaders.length > 1) return { outcome: 'tie', winner: null, leaders };
  return { outcome: 'winner', winner: leaders[0], leaders };
}
