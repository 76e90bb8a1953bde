// Poll votes over the WebSocket: the same checks as POST /api/polls/ID/vote,
// with the viewer id from the cookie of the upgrade request. The page gets a
// PollVoted frame, or an Error frame naming the problem.

import type { PollVoteRequest } from '../../shared/protocol/client-messages';
import { encodeError, encodePollVoted } from '../../shared/protocol/frames';
import type { ClientRequestHandler } from '../broadcast/hub';
import type { ViewerIdentity } from '../gallery/identity';
import { readCookie, VIEWER_COOKIE } from '../gallery/identity';
import { PollError } from './poll-error';
import type { Polls } from './polls';

export function pollSocketHandler(polls: Polls, identity: ViewerIdentity): ClientRequestHandler<PollVoteRequest> {
  return (request, sender) => {
    const cookieValue = readCookie(sender.cookie, VIEWER_COOKIE);
    const viewerId = cookieValue === null ? null : identity.verify(cookieValue);
    if (viewerId === null) {
      sender.reply((seq) =>
        encodeError(seq, {
          code: 'poll-no-viewer-id',
          message: 'this connection has no valid viewer cookie; load the page (or any /api/ route) first, then reconnect',
        }),
      );
      return;
    }

    try {
      const receipt = polls.vote(request.pollId, { option: request.option }, viewerId, sender.ip);
      sender.reply((seq) => encodePollVoted(seq, { pollId: receipt.pollId, option: receipt.option }));
    } catch (error) {
      // Polls.vote turns every failure into a PollError and logs the unexpected ones.
      if (!(error instanceof PollError)) throw error;
      sender.reply((seq) => encodeError(seq, { code: `poll-${error.code}`, message: error.message }));
    }
  };
}
