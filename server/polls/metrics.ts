// Prometheus counters of the polls, registered on the host's registry so
// that GET /metrics reports them next to the gallery's.

import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

import type { ApplicationStatus, PollCloseReason } from '../../shared/polls';
import type { LimitScope } from '../gallery/rate-limits';

export class PollMetrics {
  private readonly votes: Counter;
  private readonly rateLimits: Counter;
  private readonly closes: Counter;
  private readonly applications: Counter;

  constructor(registry: Registry) {
    this.votes = new Counter({
      name: 'latentcast_poll_votes_total',
      help: 'Poll vote requests, by result: counted (a first vote), changed, repeat (the same option again), or the rejection code.',
      labelNames: ['result'],
      registers: [registry],
    });
    this.rateLimits = new Counter({
      name: 'latentcast_poll_rate_limited_total',
      help: 'Poll votes rejected with 429, by the bucket that ran out (viewer, ip).',
      labelNames: ['scope'],
      registers: [registry],
    });
    this.closes = new Counter({
      name: 'latentcast_polls_closed_total',
      help: 'Polls closed, by reason: time, host, cancelled, host-down.',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.applications = new Counter({
      name: 'latentcast_poll_applications_total',
      help: 'Results of bound polls, by what happened to the run: applied, failed or skipped.',
      labelNames: ['status'],
      registers: [registry],
    });
  }

  vote(result: string): void {
    this.votes.inc({ result });
  }

  rateLimited(scope: LimitScope): void {
    this.rateLimits.inc({ scope });
  }

  closed(reason: PollCloseReason): void {
    this.closes.inc({ reason });
  }

  application(status: ApplicationStatus): void {
    if (status !== 'pending') this.applications.inc({ status });
  }
}
