// Fetch helpers for the poll components. The viewer cookie travels with every
// same-origin request, so the host can tell whose vote it is.

import type { PollsState } from '../../../shared/polls';

/** The poll state for this viewer, from GET /api/polls/current. */
export interface ViewerPollState extends PollsState {
  /** Option this viewer voted for in the open poll, or null. */
  yourVote: number | null;
}

/** A counted vote. */
export interface VoteReceipt {
  pollId: number;
  option: number;
  /** Option voted for before, or null for a first vote. */
  previous: number | null;
  /** Votes per option after this vote. */
  tallies: number[];
}

/** Raised for a request the host rejected; the message is the host's own. */
export class PollRequestFailed extends Error {
  override name = 'PollRequestFailed';
}

/** Returns the open poll, the last result and this viewer's vote. */
export async function fetchViewerState(): Promise<ViewerPollState> {
  return (await request('/api/polls/current')) as ViewerPollState;
}

/** Votes for option `option` of poll `pollId`, replacing this viewer's earlier vote. */
export async function castVote(pollId: number, option: number): Promise<VoteReceipt> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ option }) };
  return (await request(`/api/polls/${pollId}/vote`, init)) as VoteReceipt;
}

/** Sends a request and returns its JSON body; throws PollRequestFailed with the host's message on an error status. */
export async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');

  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  const body = (await response.json().catch(() => null)) as { error?: string } | null;
  if (!response.ok) throw new PollRequestFailed(body?.error ?? `${init.method ?? 'GET'} ${path} failed with HTTP ${response.status}`);
  return body;
}
