// Fetch helpers for the gallery component. The viewer cookie travels with
// every same-origin request, so the host can tell whose vote it is.

import type { GalleryItem } from '../../../shared/gallery';

/** Result of a vote or un-vote. */
export interface VoteResponse {
  id: number;
  votes: number;
  voted: boolean;
}

/** Raised for a request the host rejected; the message is the host's own. */
export class GalleryRequestError extends Error {
  override name = 'GalleryRequestError';
}

/** Returns the ids of the items this viewer voted for. */
export async function fetchVotedIds(): Promise<number[]> {
  const body = (await request('/api/gallery/votes')) as { itemIds: number[] };
  return body.itemIds;
}

/** Returns one visible item, for a share link. */
export async function fetchItem(id: number): Promise<GalleryItem> {
  return (await request(`/api/gallery/${id}`)) as GalleryItem;
}

/** Votes for item `id`, or removes the vote when `voted` is false. */
export async function setVote(id: number, voted: boolean): Promise<VoteResponse> {
  return (await request(`/api/gallery/${id}/vote`, { method: voted ? 'POST' : 'DELETE' })) as VoteResponse;
}

/** URL of an item's upscaled image. */
export function imageUrl(id: number): string {
  return `/api/gallery/${id}.png`;
}

/** Share link that opens the viewer page on an item's vector. */
export function shareUrl(id: number): string {
  return `/?item=${id}`;
}

async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(path, { ...init, credentials: 'same-origin', headers: { accept: 'application/json' } });
  const body = (await response.json().catch(() => null)) as { error?: string } | null;
  if (!response.ok) throw new GalleryRequestError(body?.error ?? `${init.method ?? 'GET'} ${path} failed with HTTP ${response.status}`);
  return body;
}
