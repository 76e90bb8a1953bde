// Viewer polls as the HTTP routes and the WebSocket hub use them. The
// streamer opens one poll at a time, and viewers vote and may change their
// vote until it closes. A poll bound to a run setting applies its winner
// through RunControl. Every rejection is a PollError with its HTTP status.
//
// Decisions:
// - Opening a poll while another is open is rejected (409), so that a
//   second click on "Open" cannot throw away the votes of the running poll.
//   The streamer closes the open poll first.
// - A poll whose end passed while the host was stopped is closed at start
//   with reason `host-down`, and its winner is not applied: the flags the
//   streamer restarted the host with decide the run.
// - A poll the host closes early applies its winner like one whose time ran
//   out; closing with `apply: false` cancels it without applying.

import { join } from 'node:path';

import type { Registry } from 'prom-client';

import { describeSetting, PollRequestError, readPollRequest, readVoteOption, SETTING_NAMES } from '../../shared/polls';
import type { OpenPoll, PollApplication, PollCloseReason, PollRequest, PollResult, PollsState } from '../../shared/polls';
import { GalleryRateLimiter } from '../gallery/rate-limits';
import type { GalleryLimits } from '../gallery/rate-limits';
import type { Logger } from '../log';
import type { RunControl } from '../run/run-control';
import { PollFeed } from './feed';
import { PollMetrics } from './metrics';
import { decideOutcome } from './outcome';
import { PollError, rateMessage } from './poll-error';
import { publicOpenPoll, publicResult, publicValue } from './public-view';
import { applySetting, planApplication, resolveDatasetFolders } from './settings';
import { PollStore } from './store';

/** File of the polls database in the state folder. */
export const POLLS_DB_FILE = 'polls.db';

/** Closed polls that the host's listing returns. */
export const RECENT_RESULTS = 20;

export interface PollsOptions {
  stateDir: string;
  /** The gallery's limits; poll votes use its vote rates, in buckets of their own. */
  limits: GalleryLimits;
  /** Most tally broadcasts per second. */
  talliesPerSecond: number;
}

/** Poll state for one viewer: the state every viewer receives, plus this viewer's vote in the open poll. */
export interface ViewerPollState extends PollsState {
  /** Option this viewer voted for in the open poll, or null. */
  yourVote: number | null;
}

/** A counted vote. */
export interface VoteReceipt {
  pollId: number;
  option: number;
  /** Option this viewer voted for before, or null for a first vote. */
  previous: number | null;
  /** Votes per option after this vote. */
  tallies: number[];
}

export class Polls {
  readonly store: PollStore;
  readonly feed: PollFeed;
  private readonly limiter: GalleryRateLimiter;
  private readonly metrics: PollMetrics;
  private runControl: RunControl | null = null;
  /** The open poll with live tallies; the store has the same poll and its votes. */
  private open: OpenPoll | null = null;
  /** The most recently closed poll. */
  private last: PollResult | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  /** Applications run one after another, so that results reach the run in the order their polls closed. */
  private applications: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    options: PollsOptions,
    private readonly isBanned: (viewerId: string) => boolean,
    registry: Registry,
    private readonly log: Logger,
  ) {
    const path = join(options.stateDir, POLLS_DB_FILE);
    this.store = PollStore.open(path);
    this.limiter = new GalleryRateLimiter(options.limits);
    this.metrics = new PollMetrics(registry);
    this.feed = new PollFeed(() => this.publicState(), options.talliesPerSecond);
    log.info({ path }, 'polls database opened');
    this.recover();
  }

  /** Connects the run that bound polls change. Until then, opening a bound poll is rejected with 503. */
  attachRunControl(control: RunControl): void {
    this.runControl = control;
  }

  /** Returns the open poll and the last result as every viewer sees them. */
  publicState(): PollsState {
    return {
      open: this.open && publicOpenPoll(this.open),
      last: this.last && publicResult(this.last),
      serverTime: Date.now(),
    };
  }

  /** Returns the public state with `viewerId`'s vote in the open poll. */
  viewerState(viewerId: string): ViewerPollState {
    const yourVote = this.open ? this.store.viewerVote(this.open.id, viewerId) : null;
    return { ...this.publicState(), yourVote };
  }

  /** Returns the open poll and the recent results with setting values as stored, for the streamer. */
  hostState(): { open: OpenPoll | null; recent: PollResult[] } {
    return { open: this.open, recent: this.store.recentResults(RECENT_RESULTS) };
  }

  /**
   * Checks and opens a poll from the host's request `body` and broadcasts
   * it. Rejects with PollError: `invalid` for a bad request, `conflict` while
   * another poll is open, `unavailable` for a bound poll without RunControl.
   */
  openPoll(body: unknown): OpenPoll {
    const request = this.readRequest(body);
    if (request.setting !== null && this.runControl === null) {
      throw new PollError(
        'unavailable',
        `this host cannot change the run yet, so a poll bound to the ${SETTING_NAMES[request.setting]} could not be applied; leave out "setting" to open it as a plain poll`,
      );
    }
    if (this.open) throw this.openConflict(this.open);

    const poll = this.insert(request);
    this.open = poll;
    this.scheduleClose(poll);
    this.feed.opened();
    this.log.info(
      { pollId: poll.id, question: poll.question, options: poll.options, setting: poll.setting, durationSeconds: request.durationSeconds },
      'poll opened',
    );
    return poll;
  }

  /**
   * Counts `viewerId`'s vote for the option in `body` (`{"option": index}`) of
   * poll `pollId`, replacing their earlier vote. The checks run in the
   * gallery's order: ban, rate limit, input, then the poll.
   */
  vote(pollId: number, body: unknown, viewerId: string, ip: string): VoteReceipt {
    try {
      if (this.isBanned(viewerId)) throw new PollError('banned', 'this viewer is banned by the host and cannot vote in polls');
      this.checkRate(viewerId, ip);
      const option = readVoteOption(body);
      const poll = this.votablePoll(pollId);
      if (option >= poll.options.length) {
        throw new PollError('invalid', `"option" is ${option}; poll ${pollId} has options 0 to ${poll.options.length - 1}`);
      }

      const previous = this.store.vote(pollId, viewerId, option);
      if (previous !== option) this.moveVote(poll, previous, option);
      this.metrics.vote(voteResult(previous, option));
      return { pollId, option, previous, tallies: [...poll.tallies] };
    } catch (error) {
      const rejection = this.rejection(error);
      this.metrics.vote(rejection.code);
      throw rejection;
    }
  }

  /**
   * Closes open poll `pollId` before its time and returns its result. With
   * `apply` a bound poll's winner is applied, as when the time runs out;
   * without, the poll is cancelled.
   */
  closeEarly(pollId: number, apply: boolean): PollResult {
    if (this.open?.id === pollId) return this.finish(this.open, apply ? 'host' : 'cancelled');
    if (this.store.exists(pollId)) throw new PollError('closed', `poll ${pollId} is already closed`);
    throw new PollError('not-found', `no poll ${pollId}; GET /api/host/polls lists the open poll and recent results`);
  }

  /** Stops the close timer, sends pending tallies and closes the database. A restart still running is not awaited. */
  close(): void {
    this.stopped = true;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.feed.close();
    this.store.close();
    this.log.info('polls database closed');
  }

  /** Brings the database up to date at start: unfinished applications failed, an expired open poll closed, a running one timed again. */
  private recover(): void {
    for (const result of this.store.pendingApplications()) {
      const application = result.application!;
      const message = `the host stopped before applying ${describeSetting(application.setting, String(publicValue(application.setting, application.value)))}; nothing was applied`;
      this.store.setApplication(result.id, { ...application, status: 'failed', message });
      this.log.warn({ pollId: result.id, setting: application.setting }, 'a poll result was still being applied when the host stopped; marked failed');
    }
    this.last = this.store.recentResults(1)[0] ?? null;

    const open = this.store.openPoll();
    if (!open) return;
    this.open = open;
    if (open.endsAt <= Date.now()) {
      this.log.info({ pollId: open.id, endedAt: new Date(open.endsAt).toISOString() }, 'poll ended while the host was stopped; closing it');
      this.finish(open, 'host-down');
      return;
    }
    this.scheduleClose(open);
    this.log.info({ pollId: open.id, endsAt: new Date(open.endsAt).toISOString(), tallies: open.tallies }, 'open poll resumed');
  }

  private readRequest(body: unknown): PollRequest {
    try {
      return resolveDatasetFolders(readPollRequest(body));
    } catch (error) {
      if (error instanceof PollRequestError) throw new PollError('invalid', error.message);
      throw error;
    }
  }

  private insert(request: PollRequest): OpenPoll {
    try {
      return this.store.insert(request, Date.now());
    } catch (error) {
      // The unique index on open polls: the database has an open poll that this host does not track.
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      const open = this.store.openPoll();
      this.log.error({ err: error, pollId: open?.id }, 'the polls database has an open poll this host did not track');
      if (open) this.open = open;
      throw open ? this.openConflict(open) : error;
    }
  }

  private openConflict(open: OpenPoll): PollError {
    return new PollError(
      'conflict',
      `poll ${open.id} ("${open.question}") is open until ${new Date(open.endsAt).toISOString()}; ` +
        `close it with POST /api/host/polls/${open.id}/close before opening another`,
    );
  }

  private scheduleClose(poll: OpenPoll): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => this.closeOnTime(poll.id), Math.max(0, poll.endsAt - Date.now()));
    this.closeTimer.unref();
  }

  private closeOnTime(pollId: number): void {
    this.closeTimer = null;
    if (this.stopped || this.open?.id !== pollId) return;
    // Timers run on a monotonic clock and may fire a millisecond before Date.now() reaches the end, so wait out the rest.
    if (Date.now() < this.open.endsAt) {
      this.scheduleClose(this.open);
      return;
    }
    try {
      this.finish(this.open, 'time');
    } catch (error) {
      this.log.error({ err: error, pollId }, 'closing a poll at its end failed');
    }
  }

  /** Returns the open poll `pollId` while it takes votes; rejects with `closed` or `not-found` otherwise. */
  private votablePoll(pollId: number): OpenPoll {
    const open = this.open;
    if (open?.id === pollId && Date.now() < open.endsAt) return open;
    if (open?.id === pollId || this.store.exists(pollId)) throw new PollError('closed', `poll ${pollId} has closed; votes are no longer counted`);
    throw new PollError('not-found', `no poll ${pollId}; GET /api/polls/current returns the open poll`);
  }

  private moveVote(poll: OpenPoll, previous: number | null, option: number): void {
    if (previous !== null) poll.tallies[previous]--;
    poll.tallies[option]++;
    this.feed.talliesChanged(poll.id, poll.tallies);
  }

  /** Closes `poll` with its final tallies, broadcasts the result and starts applying a bound poll's winner. */
  private finish(poll: OpenPoll, reason: PollCloseReason): PollResult {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.open = null;

    const tallies = this.store.tallies(poll.id, poll.options.length);
    const decision = decideOutcome(tallies);
    const application = planApplication(poll, tallies, decision, reason, this.runControl);
    const result = this.store.closePoll(poll.id, Date.now(), reason, { tallies, outcome: decision.outcome, winner: decision.winner, application });
    if (!result) throw new Error(`poll ${poll.id} was not open in the polls database`);

    this.last = result;
    this.metrics.closed(reason);
    if (application) this.metrics.application(application.status);
    this.log.info({ pollId: poll.id, reason, tallies, outcome: decision.outcome, winner: decision.winner, application }, 'poll closed');
    this.feed.result(publicResult(result));

    if (application?.status === 'pending') this.applications = this.applications.then(() => this.applyWinner(result));
    return result;
  }

  /** Applies a closed poll's winner through RunControl, then stores and broadcasts what happened. Never rejects. */
  private async applyWinner(result: PollResult): Promise<void> {
    const pending = result.application!;
    const control = this.runControl;
    try {
      if (!control) throw new Error('the run control was detached');
      const winner = result.options[result.winner!];
      const total = result.tallies.reduce((sum, votes) => sum + votes, 0);
      const reason = `poll ${result.id} "${result.question}": "${winner.label}" won with ${result.tallies[result.winner!]} of ${total} ${total === 1 ? 'vote' : 'votes'}`;
      this.log.info({ pollId: result.id, setting: pending.setting, value: pending.value, reason }, 'applying a poll result to the run');

      const application = await applySetting(control, pending.setting, pending.value!, reason);
      if (this.stopped) {
        this.log.warn({ pollId: result.id, status: application.status }, 'a poll result finished applying after the polls closed; the next start marks it failed');
        return;
      }
      this.recordApplication(result.id, application);
    } catch (error) {
      this.log.error({ err: error, pollId: result.id }, 'applying a poll result failed');
    }
  }

  private recordApplication(pollId: number, application: PollApplication): void {
    const updated = this.store.setApplication(pollId, application);
    if (!updated) return;
    if (this.last?.id === pollId) this.last = updated;
    this.metrics.application(application.status);
    const level = application.status === 'failed' ? 'warn' : 'info';
    this.log[level]({ pollId, setting: application.setting, value: application.value, status: application.status, message: application.message }, 'poll result applied to the run');
    this.feed.result(publicResult(updated));
  }

  private checkRate(viewerId: string, ip: string): void {
    const limited = this.limiter.take('vote', viewerId, ip);
    if (!limited) return;
    this.metrics.rateLimited(limited.scope);
    throw new PollError('rate-limited', rateMessage(limited), limited.retryAfterMs);
  }

  /** Turns any failure into a PollError; a failure that is not a rejection is logged and reported as `failed`. */
  private rejection(error: unknown): PollError {
    if (error instanceof PollError) return error;
    if (error instanceof PollRequestError) return new PollError('invalid', error.message);
    this.log.error({ err: error }, 'poll request failed');
    return new PollError('failed', `the host failed to store the vote (${(error as Error).message}); retry later`);
  }
}

/** Names a counted vote for the metrics: a first vote, a change, or the same option again. */
function voteResult(previous: number | null, option: number): string {
  if (previous === null) return 'counted';
  return previous === option ? 'repeat' : 'changed';
}
