// Host API calls that open and close polls, as the streamer's panel makes them.

import { expect } from 'vitest';

import type { Host } from '../../server/host';
import type { OpenPoll } from '../../shared/polls';
import { hostCall } from './gallery';

/** A host that serves the host API: a test host or one started with startHost. */
type PollHost = Pick<Host, 'url' | 'hostToken'>;

/** Opens a poll through the host API and returns it. Fails the test on any status but 201. */
export async function openPoll(host: PollHost, body: object): Promise<OpenPoll> {
  const response = await hostCall(host, '/api/host/polls', host.hostToken.value, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as OpenPoll;
}

/** Closes poll `id` early through the host API. Fails the test on any status but 200. */
export async function closePoll(host: PollHost, id: number): Promise<void> {
  const response = await hostCall(host, `/api/host/polls/${id}/close`, host.hostToken.value, { method: 'POST' });
  expect(response.status, await response.clone().text()).toBe(200);
}
