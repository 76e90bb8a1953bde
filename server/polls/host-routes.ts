// The streamer's poll calls under /api/host/polls: list, open and close.
// They are a part of the host API, which checks the host token before any of
// them (see server/http/host-api.ts).

import express from 'express';
import type { Router } from 'express';

import type { Polls } from './polls';
import { jsonErrors, sendPollRejection } from './routes';

/** Largest request body, in bytes: five options with long dataset paths fit. */
const MAX_BODY_BYTES = 16 * 1024;

export function pollHostRoutes(polls: Polls): Router {
  const router = express.Router();
  const json = express.json({ limit: MAX_BODY_BYTES, strict: false });

  router.get('/polls', (_request, response) => {
    response.set('Cache-Control', 'no-store').json(polls.hostState());
  });

  router.post('/polls', json, (request, response) => {
    if (!request.is('application/json')) {
      response.status(400).json({ error: 'send the poll as JSON with Content-Type: application/json, such as {"question": "...", "options": ["a", "b"], "durationSeconds": 60}' });
      return;
    }
    try {
      const poll = polls.openPoll(request.body);
      response.status(201).json(poll);
    } catch (error) {
      sendPollRejection(response, error);
    }
  });

  // The body is optional: `{"apply": false}` cancels the poll instead of applying its winner.
  router.post('/polls/:id/close', json, (request, response) => {
    const id = String(request.params.id);
    if (!/^\d{1,15}$/.test(id)) {
      response.status(400).json({ error: `poll id "${id}" is not valid; use the numeric id of the open poll` });
      return;
    }
    const apply = readApply(request.body);
    if (apply === null) {
      response.status(400).json({ error: 'the body takes only "apply", true (the default) or false; send {"apply": false} to close without applying' });
      return;
    }
    try {
      response.json(polls.closeEarly(Number(id), apply));
    } catch (error) {
      sendPollRejection(response, error);
    }
  });

  router.use(jsonErrors(MAX_BODY_BYTES));
  return router;
}

/** Reads `{"apply": boolean}`, an empty object or no body; returns null for anything else. */
function readApply(body: unknown): boolean | null {
  if (body === undefined || body === null) return true;
  if (typeof body !== 'object' || Array.isArray(body)) return null;
  const keys = Object.keys(body);
  if (keys.length === 0) return true;
  const apply = (body as { apply?: unknown }).apply;
  return keys.length === 1 && typeof apply === 'boolean' ? apply : null;
}
