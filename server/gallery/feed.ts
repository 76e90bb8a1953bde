// Gallery broadcasts on the `gallery` topic: new and unhidden items and
// removals go out at once, vote tallies are coalesced to the topic's rate with
// the latest count per item, and a joining viewer gets one snapshot frame.

import type { GalleryItem, ModeratedGalleryItem } from '../../shared/gallery';
import {
  encodeGalleryItems,
  encodeGalleryRemoved,
  encodeGallerySnapshot,
  encodeGalleryVotes,
} from '../../shared/protocol/frames';
import type { BroadcastHub } from '../broadcast/hub';
import { Throttled } from '../broadcast/training-feed';
import type { GalleryStore } from './store';
import { publicItem } from './store';

/** Items of each order in the snapshot a viewer receives on joining. */
export const SNAPSHOT_ITEMS = 24;

export class GalleryFeed {
  private hub: BroadcastHub | null = null;
  private readonly pendingTallies = new Map<number, number>();
  private readonly tallies: Throttled;
  /** The snapshot frame, reused by every joiner until the gallery changes. */
  private snapshot: Uint8Array | null = null;

  constructor(
    private readonly store: GalleryStore,
    talliesPerSecond: number,
  ) {
    this.tallies = new Throttled(() => this.flushTallies(), talliesPerSecond);
  }

  /** Connects the hub, which is created after the feed. */
  attach(hub: BroadcastHub): void {
    this.hub = hub;
  }

  /** Returns the frames that bring a joining viewer up to date: the newest and the most-voted visible items. */
  snapshotFrames(seq: number): Uint8Array[] {
    if (!this.snapshot) {
      const newest = this.store.page('new', null, SNAPSHOT_ITEMS).items.map(publicItem);
      const top = this.store.page('top', null, SNAPSHOT_ITEMS).items.map(publicItem);
      this.snapshot = encodeGallerySnapshot(seq, { newest, top });
    }
    return [this.snapshot];
  }

  /** Broadcasts items that became visible. */
  itemsAdded(items: readonly (GalleryItem | ModeratedGalleryItem)[]): void {
    if (items.length === 0) return;
    this.snapshot = null;
    const visible = items.map((item) => ('viewerId' in item ? publicItem(item) : item));
    this.send(encodeGalleryItems(this.nextSeq(), visible));
  }

  /** Broadcasts the ids of items that are no longer visible. */
  itemsRemoved(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.snapshot = null;
    for (const id of ids) this.pendingTallies.delete(id);
    this.send(encodeGalleryRemoved(this.nextSeq(), ids));
  }

  /** Schedules a broadcast of item `id`'s vote count; only the latest count per item goes out. */
  tallyChanged(id: number, votes: number): void {
    this.snapshot = null;
    this.pendingTallies.set(id, votes);
    this.tallies.request();
  }

  /** Sends pending tallies and stops the timer. */
  close(): void {
    this.tallies.runNow();
    this.tallies.cancel();
  }

  private flushTallies(): void {
    if (this.pendingTallies.size === 0) return;
    const tallies = [...this.pendingTallies].map(([id, votes]) => ({ id, votes }));
    this.pendingTallies.clear();
    this.send(encodeGalleryVotes(this.nextSeq(), tallies));
  }

  private send(frame: Uint8Array): void {
    // Every gallery frame changes what the page shows, so none is skipped for a slow viewer.
    this.hub?.broadcast(frame, 'gallery', true);
  }

  private nextSeq(): number {
    return this.hub?.nextSeq() ?? 0;
  }
}
