// The gallery as the HTTP routes and the WebSocket hub use it: submissions,
// votes and moderation, with the checks in one order for every path (ban,
// rate limit, input, model), each rejection a GalleryError with its HTTP status.

import { join } from 'node:path';

import { checkSubmission, readSubmissionFields, SubmissionError } from '../../shared/gallery';
import type { GalleryItem, ModeratedGalleryItem } from '../../shared/gallery';
import type { ModelSnapshot } from '../../shared/training';
import type { HostMetrics } from '../http/metrics';
import type { Logger } from '../log';
import type { ApprovalSetting } from './approval';
import { GalleryFeed } from './feed';
import { describeLimit, GalleryRateLimiter } from './rate-limits';
import type { GalleryLimits, LimitedAction, RateLimited } from './rate-limits';
import { decoderUnavailable, DecoderUnavailableError, SubmissionBatcher } from './submission-batcher';
import { GalleryStore, publicItem } from './store';
import type { VoteResult } from './store';

/** File of the gallery database in the state folder. */
export const GALLERY_DB_FILE = 'gallery.db';

/** Stable identifiers of rejections, used in Error frames and metrics. */
export type GalleryErrorCode = 'invalid' | 'banned' | 'not-found' | 'rate-limited' | 'failed' | 'unavailable';

const STATUS_OF: Record<GalleryErrorCode, number> = {
  invalid: 400,
  banned: 403,
  'not-found': 404,
  'rate-limited': 429,
  failed: 500,
  unavailable: 503,
};

/** A rejected gallery request; `status` is its HTTP status. */
export class GalleryError extends Error {
  override name = 'GalleryError';
  /** HTTP status of the rejection. */
  readonly status: number;

  constructor(
    readonly code: GalleryErrorCode,
    message: string,
    /** Milliseconds after which a rate-limited request succeeds. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.status = STATUS_OF[code];
  }
}

/** Run data the gallery reads. */
export interface RunSource {
  /** Latent size of the model. */
  latent: number;
  /** Latest decoder snapshot, or null before the first one. */
  decoderWeights(): ModelSnapshot | null;
  runId(): string;
}

export interface GalleryOptions {
  stateDir: string;
  limits: GalleryLimits;
  /** Most vote-tally broadcasts per second. */
  talliesPerSecond: number;
  /** The approve-before-public setting. */
  approval: ApprovalSetting;
}

export class Gallery {
  readonly store: GalleryStore;
  readonly feed: GalleryFeed;
  readonly batcher: SubmissionBatcher;
  readonly approval: ApprovalSetting;
  private readonly limiter: GalleryRateLimiter;

  constructor(
    options: GalleryOptions,
    private readonly run: RunSource,
    private readonly metrics: HostMetrics,
    private readonly log: Logger,
  ) {
    const path = join(options.stateDir, GALLERY_DB_FILE);
    this.store = GalleryStore.open(path);
    log.info({ path, limits: options.limits }, 'gallery database opened');
    this.feed = new GalleryFeed(this.store, options.talliesPerSecond);
    this.limiter = new GalleryRateLimiter(options.limits);
    this.approval = options.approval;
    this.batcher = new SubmissionBatcher(
      this.store,
      {
        decoderWeights: () => run.decoderWeights(),
        runId: () => run.runId(),
        approvalRequired: () => this.approval.enabled,
        // Items that wait for approval reach other viewers only when the host approves them.
        stored: (items) => this.feed.itemsAdded(items.filter((item) => !item.pending)),
      },
      metrics,
      log,
    );
  }

  /**
   * Checks and stores a submission `body` of `{"z": [...], "title"?: "..."}`
   * from `viewerId` at `ip`, and resolves with the stored item once it is
   * committed and broadcast. Rejects with GalleryError.
   */
  async submit(body: unknown, viewerId: string, ip: string): Promise<GalleryItem> {
    try {
      this.checkNotBanned(viewerId, 'submit');
      this.checkRate('submit', viewerId, ip);
      const fields = this.readFields(body);
      if (!this.batcher.ready) throw decoderUnavailable();

      const item = await this.batcher.submit(fields, viewerId);
      this.metrics.gallerySubmission('accepted');
      return item.pending ? { ...publicItem(item), awaitingApproval: true } : publicItem(item);
    } catch (error) {
      const rejection = this.rejection(error);
      this.metrics.gallerySubmission(rejection.code);
      throw rejection;
    }
  }

  /** Counts `viewerId`'s vote for item `itemId` once, however often it is repeated. */
  vote(itemId: number, viewerId: string, ip: string): VoteResult {
    return this.changeVote('vote', itemId, viewerId, ip);
  }

  /** Removes `viewerId`'s vote for item `itemId`, if any. */
  unvote(itemId: number, viewerId: string, ip: string): VoteResult {
    return this.changeVote('unvote', itemId, viewerId, ip);
  }

  /**
   * Hides or shows item `id` for viewers and broadcasts the change; showing
   * an item that waits for approval approves it. Returns the item, or null
   * when there is none.
   */
  setHidden(id: number, hidden: boolean): ModeratedGalleryItem | null {
    const before = this.store.item(id);
    if (!before) return null;
    const changed = this.store.setHidden(id, hidden);
    const item = this.store.item(id);
    if (!item) return null;

    const wasVisible = !before.hidden;
    if (wasVisible && item.hidden) this.feed.itemsRemoved([id]);
    if (!wasVisible && !item.hidden) this.feed.itemsAdded([item]);
    let event = hidden ? 'gallery item hidden' : 'gallery item shown';
    if (before.pending) event = hidden ? 'gallery item rejected' : 'gallery item approved';
    this.log.info({ itemId: id, hidden, changed }, event);
    return item;
  }

  /** Deletes item `id` and its votes; returns false when there was none. */
  delete(id: number): boolean {
    const deleted = this.store.delete(id);
    if (!deleted) return false;
    if (deleted.wasVisible) this.feed.itemsRemoved([id]);
    this.log.info({ itemId: id }, 'gallery item deleted');
    return true;
  }

  /** Bans `viewerId`: hides their items and rejects their submissions and votes. Returns the ids hidden now. */
  ban(viewerId: string): number[] {
    const hidden = this.store.ban(viewerId);
    this.feed.itemsRemoved(hidden);
    this.log.info({ viewerId, hiddenItems: hidden.length }, 'viewer banned from the gallery');
    return hidden;
  }

  /** Lifts the ban of `viewerId`; returns whether there was one. */
  unban(viewerId: string): boolean {
    // TODO: unbanning leaves the viewer's items hidden, so the host unhides them one by one.
    const lifted = this.store.unban(viewerId);
    this.log.info({ viewerId, lifted }, 'viewer ban lifted');
    return lifted;
  }

  /** Sends pending tallies, rejects queued submissions and closes the database. */
  close(): void {
    this.batcher.close();
    this.feed.close();
    this.store.close();
    this.log.info('gallery database closed');
  }

  private changeVote(action: 'vote' | 'unvote', itemId: number, viewerId: string, ip: string): VoteResult {
    try {
      this.checkNotBanned(viewerId, 'vote');
      this.checkRate('vote', viewerId, ip);

      const result = action === 'vote' ? this.store.vote(itemId, viewerId) : this.store.unvote(itemId, viewerId);
      if (!result) throw new GalleryError('not-found', `no visible gallery item ${itemId}; it may have been hidden or deleted`);

      this.metrics.galleryVote(action, result.changed ? 'counted' : 'repeat');
      if (result.changed) this.feed.tallyChanged(itemId, result.votes);
      return result;
    } catch (error) {
      const rejection = this.rejection(error);
      this.metrics.galleryVote(action, rejection.code);
      throw rejection;
    }
  }

  private checkNotBanned(viewerId: string, action: LimitedAction): void {
    if (!this.store.isBanned(viewerId)) return;
    const what = action === 'submit' ? 'submit to' : 'vote in';
    throw new GalleryError('banned', `this viewer is banned by the host and cannot ${what} the gallery`);
  }

  private checkRate(action: LimitedAction, viewerId: string, ip: string): void {
    const limited = this.limiter.take(action, viewerId, ip);
    if (!limited) return;
    this.metrics.galleryRateLimited(action, limited.scope);
    throw new GalleryError('rate-limited', rateMessage(action, limited), limited.retryAfterMs);
  }

  private readFields(body: unknown) {
    const fields = readSubmissionFields(body);
    checkSubmission(fields, this.run.latent);
    return fields;
  }

  /** Turns any failure into a GalleryError; a failure that is not a rejection is logged and reported as `failed`. */
  private rejection(error: unknown): GalleryError {
    let rejection: GalleryError;
    if (error instanceof GalleryError) rejection = error;
    else if (error instanceof SubmissionError) rejection = new GalleryError('invalid', error.message);
    else if (error instanceof DecoderUnavailableError) rejection = new GalleryError('unavailable', error.message);
    else {
      this.log.error({ err: error }, 'gallery request failed');
      rejection = new GalleryError('failed', `the gallery failed to store the request (${(error as Error).message}); retry later`);
    }
    return rejection;
  }
}

function rateMessage(action: LimitedAction, limited: RateLimited): string {
  const what = action === 'submit' ? 'submissions' : 'votes';
  const retry = `retry in ${(limited.retryAfterMs / 1000).toFixed(1)} s`;
  if (limited.scope === 'viewer') return `too many ${what} from this viewer; the limit is ${describeLimit(limited.limit)}, so ${retry}`;
  return `too many ${what} from this IP address, which all viewers behind it share; the limit is ${describeLimit(limited.limit)}, so ${retry}`;
}
