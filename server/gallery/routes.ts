// HTTP routes of the gallery under /api/gallery: submit, list, read, image,
// vote and un-vote. Viewer ids come from the identity middleware that runs
// before these routes.

import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';

import type { GallerySort } from '../../shared/gallery';
import type { HostToken } from '../http/host-auth';
import type { HostMetrics } from '../http/metrics';
import type { Logger } from '../log';
import { writeExport } from './export';
import { GalleryError } from './gallery';
import type { Gallery } from './gallery';
import { upscalePng } from './images';
import { CursorError, publicItem } from './store';

/** Largest request body of a submission: room for a 1,024-value vector with full float precision and a title. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Items per page when `limit` is absent, and the most a page can have. */
export const DEFAULT_PAGE_SIZE = 24;
export const MAX_PAGE_SIZE = 100;

/** Most item ids `GET /api/gallery/votes` returns. */
const MAX_VOTED_IDS = 1000;

/** Item path segment: an id, and `.png` for the image. */
const ITEM_KEY = /^(\d{1,15})(\.png)?$/;

export function galleryRoutes(gallery: Gallery, hostToken: HostToken, metrics: HostMetrics, log: Logger): Router {
  const router = express.Router();

  router.post('/', express.json({ limit: MAX_BODY_BYTES, strict: false }), async (request, response) => {
    if (!request.is('application/json')) {
      metrics.gallerySubmission('invalid');
      response.status(400).json({ error: 'send the submission as JSON with Content-Type: application/json' });
      return;
    }
    try {
      const item = await gallery.submit(request.body, viewerIdOf(response), clientIp(request));
      response.status(201).location(`/api/gallery/${item.id}`).json(item);
    } catch (error) {
      sendRejection(response, error);
    }
  });

  router.get('/', (request, response) => {
    const sort = String(request.query.sort ?? 'new');
    if (sort !== 'new' && sort !== 'top') {
      response.status(400).json({ error: `sort "${sort}" is not valid; use sort=new (newest first) or sort=top (most votes first)` });
      return;
    }
    const limit = readLimit(request.query.limit);
    if (limit === null) {
      response.status(400).json({ error: `limit "${String(request.query.limit)}" is not valid; use a whole number from 1 to ${MAX_PAGE_SIZE}` });
      return;
    }

    try {
      const page = gallery.store.page(sort as GallerySort, queryText(request.query.cursor), limit);
      response.set('Cache-Control', 'no-store').json({ items: page.items.map(publicItem), nextCursor: page.nextCursor });
    } catch (error) {
      if (!(error instanceof CursorError)) throw error;
      response.status(400).json({ error: error.message });
    }
  });

  router.get('/votes', (_request, response) => {
    response.set('Cache-Control', 'no-store').json({ itemIds: gallery.store.votedIds(viewerIdOf(response), MAX_VOTED_IDS) });
  });

  router.get('/export', hostToken.middleware(), async (_request, response) => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    response.type('application/zip').set('Content-Disposition', `attachment; filename="latentcast-gallery-${stamp}.zip"`);
    try {
      await writeExport(gallery.store, response);
      log.info('gallery exported');
    } catch (error) {
      log.error({ err: error }, 'gallery export failed');
      response.destroy(error as Error);
    }
  });

  router.get('/:key', async (request, response) => {
    const match = ITEM_KEY.exec(request.params.key);
    if (!match) {
      response.status(404).json({ error: `no gallery route ${request.originalUrl}; items are at /api/gallery/ID and /api/gallery/ID.png` });
      return;
    }

    const id = Number(match[1]);
    if (match[2]) {
      const png = gallery.store.png(id, false, viewerIdOf(response));
      if (!png) return notFound(response, id);
      // An item's image never changes, but moderation can hide it, so caches keep it only briefly.
      response.type('image/png').set('Cache-Control', 'public, max-age=300').send(await upscalePng(png));
      return;
    }

    const item = gallery.store.visibleItem(id);
    if (!item) return notFound(response, id);
    response.set('Cache-Control', 'no-store').json({ ...item, voted: gallery.store.hasVoted(id, viewerIdOf(response)) });
  });

  router.post('/:key/vote', (request, response) => changeVote(request, response, 'vote'));
  router.delete('/:key/vote', (request, response) => changeVote(request, response, 'unvote'));

  function changeVote(request: Request, response: Response, action: 'vote' | 'unvote'): void {
    const match = /^\d{1,15}$/.exec(String(request.params.key));
    if (!match) return notFound(response, String(request.params.key));
    try {
      const id = Number(match[0]);
      const viewerId = viewerIdOf(response);
      const ip = clientIp(request);
      const { votes, voted } = action === 'vote' ? gallery.vote(id, viewerId, ip) : gallery.unvote(id, viewerId, ip);
      response.json({ id, votes, voted });
    } catch (error) {
      sendRejection(response, error);
    }
  }

  router.use((error: Error & { type?: string; status?: number; length?: number }, _request: Request, response: Response, next: NextFunction) => {
    if (error.type === 'entity.too.large') {
      metrics.gallerySubmission('too-large');
      response.status(413).json({ error: `the body is ${error.length ?? 'over'} bytes; the limit is ${MAX_BODY_BYTES} bytes, so send a shorter "z" or "title"` });
      return;
    }
    if (error.type === 'entity.parse.failed') {
      metrics.gallerySubmission('invalid');
      response.status(400).json({ error: `the body is not valid JSON: ${error.message}` });
      return;
    }
    next(error);
  });

  return router;
}

/** Sends a GalleryError's status and message; rethrows anything else for Express's error handler. */
export function sendRejection(response: Response, error: unknown): void {
  if (!(error instanceof GalleryError)) throw error;
  if (error.retryAfterMs !== null) response.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  response.status(error.status).json({ error: error.message });
}

/** Returns the viewer id that the identity middleware put into the response locals. */
export function viewerIdOf(response: Response): string {
  return response.locals.viewerId as string;
}

function clientIp(request: Request): string {
  return request.socket.remoteAddress ?? 'unknown';
}

function notFound(response: Response, id: number | string): void {
  response.status(404).json({ error: `no visible gallery item ${id}; it may have been hidden or deleted` });
}

function queryText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function readLimit(value: unknown): number | null {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  const limit = Number(value);
  return typeof value === 'string' && Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE ? limit : null;
}
