// Rejections of poll requests. Each carries its HTTP status, and the
// WebSocket handler sends its code in an Error frame as `poll-CODE`.

import { describeLimit } from '../gallery/rate-limits';
import type { RateLimited } from '../gallery/rate-limits';

/** Stable identifiers of rejections, used in Error frames and metrics. */
export type PollErrorCode = 'invalid' | 'banned' | 'not-found' | 'closed' | 'conflict' | 'rate-limited' | 'unavailable' | 'failed';

const STATUS_OF: Record<PollErrorCode, number> = {
  invalid: 400,
  banned: 403,
  'not-found': 404,
  closed: 409,
  conflict: 409,
  'rate-limited': 429,
  failed: 500,
  unavailable: 503,
};

/** A rejected poll request; `status` is its HTTP status. */
export class PollError extends Error {
  override name = 'PollError';
  /** HTTP status of the rejection. */
  readonly status: number;

  constructor(
    readonly code: PollErrorCode,
    message: string,
    /** Milliseconds after which a rate-limited request succeeds. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.status = STATUS_OF[code];
  }
}

/** Returns the message of a rate-limited vote, naming the limit and the wait. */
export function rateMessage(limited: RateLimited): string {
  const retry = `retry in ${(limited.retryAfterMs / 1000).toFixed(1)} s`;
  if (limited.scope === 'viewer') return `too many poll votes from this viewer; the limit is ${describeLimit(limited.limit)}, so ${retry}`;
  return `too many poll votes from this IP address, which all viewers behind it share; the limit is ${describeLimit(limited.limit)}, so ${retry}`;
}
