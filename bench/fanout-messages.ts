// Messages between `bench/fanout.ts` and the processes it forks (viewer
// fleets and the naive baseline server), plus the latency histogram that the
// viewers fill and the parent merges.

/** Wire format a viewer fleet expects: latentcast's binary frames, or the naive server's JSON text. */
export type ViewerProtocol = 'binary' | 'json';

export type ViewerCommand =
  /** Opens `count` sockets to `url`, at most `concurrency` handshakes at a time, starting none after `deadline` (Date.now() time). */
  | { type: 'connect'; url: string; count: number; protocol: ViewerProtocol; concurrency: number; deadline: number }
  /** Clears the counters and starts the measurement window. */
  | { type: 'measure' }
  /** Ends the window and replies with a ViewerReport. */
  | { type: 'report' };

export type ViewerReply =
  | { type: 'connected'; open: number; failures: number; notStarted: number; failureSamples: string[] }
  | { type: 'report'; report: ViewerReport };

/** Counters of one viewer process over the measurement window. */
export interface ViewerReport {
  windowMs: number;
  /** Sockets open at the end of the window. */
  open: number;
  /** WebSocket message payload bytes, without the 2 to 10 bytes of framing per message. */
  bytes: number;
  messages: number;
  /** Delivery latency of every loss point, as sparse [milliseconds, count] pairs. */
  latency: Array<[number, number]>;
  /** Loss points whose step did not follow the previous point's on the same socket. */
  missingPoints: number;
  /** Sockets that closed or failed during the window. */
  closes: number;
  /** Messages that did not decode. */
  decodeErrors: number;
  /** CPU time of the viewer process during the window, in milliseconds. */
  cpuMs: number;
  failureSamples: string[];
}

export type NaiveCommand =
  /** Starts producing loss points (and reconstructions every `reconstructionEvery` steps). */
  | { type: 'start'; stepsPerSecond: number; reconstructionEvery: number; maxRssBytes: number }
  /** Replies with a ServerSample and restarts the event-loop lag histogram. */
  | { type: 'sample' };

export type NaiveReply = { type: 'listening'; port: number } | { type: 'sample'; sample: ServerSample };

/** One reading of a server's counters; two readings make a phase's figures. */
export interface ServerSample {
  /** Date.now() when the reading was taken. */
  timeMs: number;
  cpuSeconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** 99th percentile of event-loop delay since the previous reading, at 10 ms resolution. */
  eventLoopLagP99Ms: number;
  /** Latest training step broadcast (for the naive server, the latest step produced). */
  step: number;
  framesSkipped: number;
  /** Bytes the host queued to viewers since it started, by topic; empty for the naive server. */
  bytesSentByTopic: Record<string, number>;
  viewersDropped: number;
  /** Naive server only: sending stopped because its RSS passed the configured limit. */
  overloaded: boolean;
}

/** Counts of latencies in 1 ms buckets up to one minute; later ones share the last bucket. */
export class LatencyHistogram {
  static readonly MAX_MS = 60_000;
  private readonly counts = new Uint32Array(LatencyHistogram.MAX_MS + 1);
  total = 0;

  record(milliseconds: number, count = 1): void {
    // Clock readings are whole milliseconds on both sides, so -1 ms is rounding, not time travel.
    const bucket = Math.min(LatencyHistogram.MAX_MS, Math.max(0, Math.round(milliseconds)));
    this.counts[bucket] += count;
    this.total += count;
  }

  toPairs(): Array<[number, number]> {
    const pairs: Array<[number, number]> = [];
    this.counts.forEach((count, bucket) => {
      if (count > 0) pairs.push([bucket, count]);
    });
    return pairs;
  }

  addPairs(pairs: Array<[number, number]>): void {
    for (const [bucket, count] of pairs) this.record(bucket, count);
  }

  /** Returns the latency in milliseconds below which `percent` of the samples fall, or NaN without samples. */
  percentile(percent: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.ceil((percent / 100) * this.total);
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket];
      if (seen >= rank) return bucket;
    }
    return LatencyHistogram.MAX_MS;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
