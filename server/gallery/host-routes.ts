// Moderation calls under /api/host, for the streamer only: every call needs
// the host token (see server/http/host-auth.ts). Hiding, deleting and banning
// broadcast the removal, so the items disappear from every page at once;
// approving an item that waited for approval broadcasts it to every page.

import express from 'express';
import type { Request, Response, Router } from 'express';

import type { GallerySort } from '../../shared/gallery';
import type { HostToken } from '../http/host-auth';
import type { Gallery } from './gallery';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './routes';
import { CursorError } from './store';

const VIEWER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function hostRoutes(gallery: Gallery, hostToken: HostToken): Router {
  const router = express.Router();
  router.use(hostToken.middleware());

  // Every item, hidden ones included, with the viewer id of its submitter.
  router.get('/gallery', (request, response) => {
    const sort = request.query.sort === 'top' ? 'top' : 'new';
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(request.query.limit) || DEFAULT_PAGE_SIZE));
    const cursor = typeof request.query.cursor === 'string' && request.query.cursor !== '' ? request.query.cursor : null;
    try {
      response.set('Cache-Control', 'no-store').json(gallery.store.page(sort as GallerySort, cursor, limit, true));
    } catch (error) {
      if (!(error instanceof CursorError)) throw error;
      response.status(400).json({ error: error.message });
    }
  });

  router.get('/gallery/pending', (_request, response) => {
    response.set('Cache-Control', 'no-store').json({ items: gallery.store.pendingItems(MAX_PAGE_SIZE), approveBeforePublic: gallery.approval.enabled });
  });

  // Hidden and pending items have no public image, and an <img> cannot send the token, so the panel fetches these.
  router.get('/gallery/:file', (request, response) => {
    const match = /^(\d{1,15})\.png$/.exec(String(request.params.file));
    if (!match) {
      response.status(404).json({ error: `no host route ${request.originalUrl}; item images are at /api/host/gallery/ID.png` });
      return;
    }
    const id = Number(match[1]);
    const png = gallery.store.png(id, true);
    if (!png) return notFound(response, id);
    response.type('image/png').set('Cache-Control', 'no-store').send(png);
  });

  router.post('/gallery/:id/approve', (request, response) => {
    const id = itemId(request, response);
    if (id === null) return;
    const item = gallery.store.item(id);
    if (!item) return notFound(response, id);
    if (!item.pending) {
      response.status(409).json({ error: `item ${id} does not wait for approval; use hide or unhide to change what viewers see` });
      return;
    }
    response.json(gallery.setHidden(id, false));
  });

  router.get('/moderation', (_request, response) => {
    response.set('Cache-Control', 'no-store').json({ approveBeforePublic: gallery.approval.enabled });
  });

  router.put('/moderation', express.json({ limit: 1024, strict: false }), async (request, response) => {
    const body = request.body as unknown;
    const valid = typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 1 && 'approveBeforePublic' in body;
    const value = valid ? (body as { approveBeforePublic: unknown }).approveBeforePublic : undefined;
    if (!request.is('application/json') || typeof value !== 'boolean') {
      response.status(400).json({ error: `the body must be {"approveBeforePublic": true} or {"approveBeforePublic": false}; got ${JSON.stringify(body) ?? 'no JSON body'}` });
      return;
    }
    await gallery.approval.set(value);
    response.json({ approveBeforePublic: value });
  });

  router.post('/gallery/:id/hide', (request, response) => setHidden(request, response, true));
  router.post('/gallery/:id/unhide', (request, response) => setHidden(request, response, false));

  router.delete('/gallery/:id', (request, response) => {
    const id = itemId(request, response);
    if (id === null) return;
    if (!gallery.delete(id)) return notFound(response, id);
    response.status(204).end();
  });

  router.post('/viewers/:viewerId/ban', (request, response) => {
    const viewerId = readViewerId(request, response);
    if (viewerId === null) return;
    response.json({ viewerId, hiddenItemIds: gallery.ban(viewerId) });
  });

  router.delete('/viewers/:viewerId/ban', (request, response) => {
    const viewerId = readViewerId(request, response);
    if (viewerId === null) return;
    response.json({ viewerId, lifted: gallery.unban(viewerId) });
  });

  function setHidden(request: Request, response: Response, hidden: boolean): void {
    const id = itemId(request, response);
    if (id === null) return;
    const item = gallery.setHidden(id, hidden);
    if (!item) return notFound(response, id);
    response.json(item);
  }

  return router;
}

function itemId(request: Request, response: Response): number | null {
  const text = String(request.params.id);
  if (/^\d{1,15}$/.test(text)) return Number(text);
  response.status(400).json({ error: `item id "${text}" is not valid; use the numeric id of a gallery item` });
  return null;
}

function readViewerId(request: Request, response: Response): string | null {
  const text = String(request.params.viewerId);
  if (VIEWER_ID.test(text)) return text;
  response.status(400).json({ error: `viewer id "${text}" is not valid; copy the viewerId of an item from GET /api/host/gallery` });
  return null;
}

function notFound(response: Response, id: number): void {
  response.status(404).json({ error: `no gallery item ${id}` });
}
