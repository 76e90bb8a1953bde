// The host API under /api/host: one router that checks the host token before
// any route of the parts mounted in it (training control, moderation). No
// viewer or overlay page has the token, so none of them can reach these
// calls. A token in the query string or a cookie is not accepted.

import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';

import type { HostToken } from './host-auth';

export function hostApi(hostToken: HostToken, parts: Router[]): Router {
  const router = express.Router();
  router.use(hostToken.middleware());

  // The new token is in this response only; the panel stores it and the old one fails from now on.
  router.post('/token/rotate', async (_request, response) => {
    response.set('Cache-Control', 'no-store').json({ token: await hostToken.rotate() });
  });

  for (const part of parts) router.use(part);

  router.use((error: Error & { type?: string }, _request: Request, response: Response, next: NextFunction) => {
    if (error.type === 'entity.parse.failed') {
      response.status(400).json({ error: `the body is not valid JSON: ${error.message}` });
    } else if (error.type === 'entity.too.large') {
      response.status(413).json({ error: 'the body is too large; host calls take a few short fields' });
    } else {
      next(error);
    }
  });
  return router;
}
