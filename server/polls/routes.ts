// HTTP routes of the polls for viewers, under /api/polls: the current poll
// with this viewer's vote, and voting. Viewer ids come from the identity
// middleware that runs before these routes.

import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';

import { viewerIdOf } from '../gallery/routes';
import { PollError } from './poll-error';
import type { Polls } from './polls';

/** Largest vote body, in bytes; a vote is `{"option": N}`. */
const MAX_VOTE_BYTES = 1024;

/** Poll id path segment. */
const POLL_ID = /^\d{1,15}$/;

export function pollRoutes(polls: Polls): Router {
  const router = express.Router();

  router.get('/current', (_request, response) => {
    response.set('Cache-Control', 'no-store').json(polls.viewerState(viewerIdOf(response)));
  });

  router.post('/:id/vote', express.json({ limit: MAX_VOTE_BYTES, strict: false }), (request, response) => {
    const id = String(request.params.id);
    if (!POLL_ID.test(id)) {
      response.status(404).json({ error: `no poll "${id}"; votes go to /api/polls/ID/vote with the numeric id of the open poll` });
      return;
    }
    if (!request.is('application/json')) {
      response.status(400).json({ error: 'send the vote as JSON, such as {"option": 0}, with Content-Type: application/json' });
      return;
    }

    try {
      response.json(polls.vote(Number(id), request.body, viewerIdOf(response), clientIp(request)));
    } catch (error) {
      sendPollRejection(response, error);
    }
  });

  router.use(jsonErrors(MAX_VOTE_BYTES));
  return router;
}

/** Sends a PollError's status and message; rethrows anything else for Express's error handler. */
export function sendPollRejection(response: Response, error: unknown): void {
  if (!(error instanceof PollError)) throw error;
  if (error.retryAfterMs !== null) response.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  response.status(error.status).json({ error: error.message });
}

/** Returns an error handler that responds to a body above `limit` bytes with 413 and to one that is not JSON with 400. */
export function jsonErrors(limit: number) {
  return (error: Error & { type?: string; length?: number }, _request: Request, response: Response, next: NextFunction): void => {
    if (error.type === 'entity.too.large') {
      response.status(413).json({ error: `the body is ${error.length ?? 'over'} bytes; the limit is ${limit} bytes` });
      return;
    }
    if (error.type === 'entity.parse.failed') {
      response.status(400).json({ error: `the body is not valid JSON: ${error.message}` });
      return;
    }
    next(error);
  };
}

function clientIp(request: Request): string {
  return request.socket.remoteAddress ?? 'unknown';
}
