// Poll broadcasts on the `polls` topic: an opened poll and each result go
// out at once, vote tallies are coalesced to the topic's rate with the latest
// counts, and a joining viewer gets one PollState frame.

import type { PollResult, PollsState } from '../../shared/polls';
import { encodePollResult, encodePollState, encodePollTallies } from '../../shared/protocol/frames';
import type { BroadcastHub } from '../broadcast/hub';
import { Throttled } from '../broadcast/training-feed';

export class PollFeed {
  private hub: BroadcastHub | null = null;
  private pendingTallies: { pollId: number; tallies: number[] } | null = null;
  private readonly tallies: Throttled;

  /**
   * @param state returns the poll state as viewers see it now
   * @param talliesPerSecond most tally broadcasts per second
   */
  constructor(
    private readonly state: () => PollsState,
    talliesPerSecond: number,
  ) {
    this.tallies = new Throttled(() => this.flushTallies(), talliesPerSecond);
  }

  /** Connects the hub, which is created after the feed. */
  attach(hub: BroadcastHub): void {
    this.hub = hub;
  }

  /**
   * Returns the frame that brings a joining viewer up to date. It is encoded
   * per joiner, because it carries the host's clock for the page's countdown.
   */
  snapshotFrames(seq: number): Uint8Array[] {
    return [encodePollState(seq, this.state())];
  }

  /** Broadcasts the state after a poll opened. */
  opened(): void {
    this.pendingTallies = null;
    this.send(encodePollState(this.nextSeq(), this.state()));
  }

  /** Schedules a broadcast of poll `pollId`'s tallies; only the latest counts go out. */
  talliesChanged(pollId: number, tallies: readonly number[]): void {
    this.pendingTallies = { pollId, tallies: [...tallies] };
    this.tallies.request();
  }

  /** Broadcasts a result, when a poll closes and when applying its winner ends. */
  result(result: PollResult): void {
    // The result carries the final tallies, so counts still pending for its poll are stale.
    if (this.pendingTallies?.pollId === result.id) this.pendingTallies = null;
    this.send(encodePollResult(this.nextSeq(), result));
  }

  /** Sends pending tallies and stops the timer. */
  close(): void {
    this.tallies.runNow();
    this.tallies.cancel();
  }

  private flushTallies(): void {
    if (!this.pendingTallies) return;
    const pending = this.pendingTallies;
    this.pendingTallies = null;
    this.send(encodePollTallies(this.nextSeq(), pending));
  }

  private send(frame: Uint8Array): void {
    // Every poll frame changes what the page shows, so none is skipped for a slow viewer.
    this.hub?.broadcast(frame, 'polls', true);
  }

  private nextSeq(): number {
    return this.hub?.nextSeq() ?? 0;
  }
}
