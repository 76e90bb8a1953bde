// The gallery as a page keeps it: the newest and the most-voted items, kept
// up to date from the gallery topic's frames. Pure functions, so the store
// and tests can apply frames without a socket.

import type { GalleryItem } from '../../../shared/gallery';
import { FrameType } from '../../../shared/protocol/frames';
import type { Frame, GallerySnapshotBody, VoteTally } from '../../../shared/protocol/frames';

/** Maximum items the page keeps in each order. */
export const GALLERY_KEEP = 48;

/** Gallery items a page shows, replaced (never mutated) on every change. */
export interface GalleryState {
  /** Newest visible items, newest first. */
  newest: readonly GalleryItem[];
  /** Most-voted visible items known to the page, most votes first, then newest first. */
  top: readonly GalleryItem[];
}

export const EMPTY_GALLERY: GalleryState = { newest: [], top: [] };

/** Returns the state the host's snapshot describes. */
export function gallerySnapshot(body: GallerySnapshotBody): GalleryState {
  return { newest: body.newest.slice(0, GALLERY_KEEP), top: sortTop(body.top) };
}

/** Returns the state with items that became visible, such as new submissions or items the host showed again. */
export function galleryAdded(state: GalleryState, items: readonly GalleryItem[]): GalleryState {
  const ids = new Set(items.map((item) => item.id));
  const newest = [...items, ...state.newest.filter((item) => !ids.has(item.id))].sort((a, b) => b.id - a.id).slice(0, GALLERY_KEEP);
  return { newest, top: rankTop(state.top, newest) };
}

/** Returns the state with the latest vote counts. An item that gains votes can enter the top list from the newest. */
export function galleryTallies(state: GalleryState, tallies: readonly VoteTally[]): GalleryState {
  const votes = new Map(tallies.map((tally) => [tally.id, tally.votes]));
  const update = (item: GalleryItem) => {
    const count = votes.get(item.id);
    return count === undefined || count === item.votes ? item : { ...item, votes: count };
  };
  const newest = state.newest.map(update);
  return { newest, top: rankTop(state.top.map(update), newest) };
}

/** Returns the state without the items that the host hid or deleted. */
export function galleryRemoved(state: GalleryState, ids: readonly number[]): GalleryState {
  const removed = new Set(ids);
  const keep = (item: GalleryItem) => !removed.has(item.id);
  return { newest: state.newest.filter(keep), top: state.top.filter(keep) };
}

/** Merges the top list with the newest items and keeps the GALLERY_KEEP with the most votes. */
function rankTop(top: readonly GalleryItem[], newest: readonly GalleryItem[]): GalleryItem[] {
  const byId = new Map(top.map((item) => [item.id, item]));
  for (const item of newest) byId.set(item.id, item);
  return sortTop([...byId.values()]);
}

function sortTop(items: readonly GalleryItem[]): GalleryItem[] {
  return [...items].sort((a, b) => b.votes - a.votes || b.id - a.id).slice(0, GALLERY_KEEP);
}

/**
 * Returns the state after one gallery-topic frame, or null when the frame
 * belongs to another topic. The viewer's store and the overlay's both use it.
 */
export function galleryAfterFrame(state: GalleryState, frame: Frame): GalleryState | null {
  switch (frame.type) {
    case FrameType.GallerySnapshot:
      return gallerySnapshot(frame.body);
    case FrameType.GalleryItems:
      return galleryAdded(state, frame.body);
    case FrameType.GallerySubmitted:
      return galleryAdded(state, [frame.body]);
    case FrameType.GalleryVotes:
      return galleryTallies(state, frame.body);
    case FrameType.GalleryRemoved:
      return galleryRemoved(state, frame.body.ids);
    default:
      return null;
  }
}
