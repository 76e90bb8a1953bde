// Token buckets that limit gallery submissions and votes per viewer id and
// per IP address. The viewer limit is the one a person meets. The IP limit is
// higher, because many viewers can share an address behind NAT. It is the
// backstop against one machine that clears its cookies to get new viewer ids.

/** A rate: `count` actions per `seconds`, with bursts of up to `count`. */
export interface RateLimit {
  count: number;
  seconds: number;
}

/** Action that the gallery limits. */
export type LimitedAction = 'submit' | 'vote';

/** Whose bucket ran out: the viewer id's or the IP address's. */
export type LimitScope = 'viewer' | 'ip';

export interface GalleryLimits {
  /** Submissions of one viewer id. */
  submitPerViewer: RateLimit;
  /** Submissions from one IP address. */
  submitPerIp: RateLimit;
  /** Votes and un-votes of one viewer id. */
  votePerViewer: RateLimit;
  /** Votes and un-votes from one IP address. */
  votePerIp: RateLimit;
}

// Sized for a stream: one submission every two seconds and twenty votes in
// ten seconds is more than a person clicks, and an IP address gets five to
// ten times that for viewers behind one NAT.
export const GALLERY_LIMIT_DEFAULTS: GalleryLimits = {
  submitPerViewer: { count: 1, seconds: 2 },
  submitPerIp: { count: 10, seconds: 2 },
  votePerViewer: { count: 20, seconds: 10 },
  votePerIp: { count: 200, seconds: 10 },
};

/** The outcome of a rejected action: which limit ran out and when a retry succeeds. */
export interface RateLimited {
  scope: LimitScope;
  limit: RateLimit;
  /** Milliseconds until the bucket contains a token again. */
  retryAfterMs: number;
}

/** Buckets emptier than full are kept; full ones are forgotten this often, in milliseconds, to bound memory. */
const SWEEP_INTERVAL_MS = 60_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** One token bucket per key, refilled continuously at `count / seconds` tokens per second. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private lastSweep = 0;

  constructor(readonly limit: RateLimit) {
    this.perMs = limit.count / (limit.seconds * 1000);
  }

  /** Returns 0 when `key` has a token now, otherwise the milliseconds until it has one. Takes nothing. */
  waitFor(key: string, now: number): number {
    const tokens = this.refilled(key, now);
    return tokens >= 1 ? 0 : (1 - tokens) / this.perMs;
  }

  /** Takes one token of `key`; call only after `waitFor` returned 0 at the same `now`. */
  take(key: string, now: number): void {
    this.buckets.set(key, { tokens: this.refilled(key, now) - 1, updatedAt: now });
    this.sweep(now);
  }

  private refilled(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.limit.count;
    return Math.min(this.limit.count, bucket.tokens + (now - bucket.updatedAt) * this.perMs);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.perMs >= this.limit.count) this.buckets.delete(key);
    }
  }
}

/** The gallery's four buckets: submissions and votes, each per viewer and per IP. */
export class GalleryRateLimiter {
  private readonly buckets: Record<LimitedAction, Record<LimitScope, TokenBuckets>>;

  constructor(limits: GalleryLimits) {
    this.buckets = {
      submit: { viewer: new TokenBuckets(limits.submitPerViewer), ip: new TokenBuckets(limits.submitPerIp) },
      vote: { viewer: new TokenBuckets(limits.votePerViewer), ip: new TokenBuckets(limits.votePerIp) },
    };
  }

  /**
   * Takes a token from the viewer's and the IP's bucket of `action` and
   * returns null, or takes none and returns the limit that ran out. A
   * rejected request costs nothing, so a viewer limited by their IP keeps
   * their own tokens.
   */
  take(action: LimitedAction, viewerId: string, ip: string, now = performance.now()): RateLimited | null {
    const { viewer, ip: address } = this.buckets[action];

    const viewerWait = viewer.waitFor(viewerId, now);
    if (viewerWait > 0) return { scope: 'viewer', limit: viewer.limit, retryAfterMs: viewerWait };

    const ipWait = address.waitFor(ip, now);
    if (ipWait > 0) return { scope: 'ip', limit: address.limit, retryAfterMs: ipWait };

    viewer.take(viewerId, now);
    address.take(ip, now);
    return null;
  }
}

/** Formats a limit for messages and `--help`, such as `1 per 2 s`. */
export function describeLimit(limit: RateLimit): string {
  return `${limit.count} per ${limit.seconds} s`;
}
