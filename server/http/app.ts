// HTTP routes of the host: the built pages, the status API, the gallery,
// polls, the host API, the model exports and the health check, all behind the
// security headers.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import express from 'express';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

import type { HostStatus } from '../../shared/training';
import type { Logger } from '../log';
import type { HostMetrics } from './metrics';
import { securityHeaders } from './security-headers';

/** Folder that `npm run build:client` writes the pages to. */
export const CLIENT_DIST = fileURLToPath(new URL('../../dist/client/', import.meta.url));

/** The gallery's parts of the app, built by the host. */
export interface GalleryHttp {
  /** Middleware that reads or issues the viewer cookie. */
  identity: RequestHandler;
  /** Routes under /api/gallery. */
  routes: Router;
}

/**
 * @param modelRoutes read-only routes under /api/model/ that serve the latest
 *   model for other origins, so they run before the viewer cookie is issued
 * @param hostApi routes under /api/host, which check the host token
 *   themselves (see server/http/host-api.ts)
 * @param pollRoutes the viewers' poll routes under /api/polls
 */
export function createApp(
  status: () => HostStatus,
  metrics: HostMetrics,
  gallery: GalleryHttp,
  log: Logger,
  modelRoutes: Router,
  hostApi: Router,
  pollRoutes: Router,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders(CLIENT_DIST));
  // API responses are no-store or change with every vote, so hashing each body for an ETag is wasted work.
  app.set('etag', false);

  app.get('/healthz', (_request, response) => {
    response.type('text/plain').send('ok\n');
  });

  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use('/api/model', modelRoutes);

  // Every page and API request after this point carries a viewer id.
  app.use(gallery.identity);

  app.get('/api/status', (_request, response) => {
    response.set('Cache-Control', 'no-store').json(status());
  });

  app.use('/api/gallery', gallery.routes);
  app.use('/api/polls', pollRoutes);
  app.use('/api/host', hostApi);

  app.use('/api', (request, response) => {
    response.status(404).json({ error: `no API route ${request.method} ${request.originalUrl}` });
  });

  app.use('/api', (error: Error, request: Request, response: Response, _next: NextFunction) => {
    log.error({ err: error, method: request.method, path: request.originalUrl }, 'API request failed');
    response.status(500).json({ error: `the host failed to handle ${request.method} ${request.originalUrl}: ${error.message}` });
  });

  if (existsSync(CLIENT_DIST)) {
    app.get('/host', (_request, response) => response.sendFile(join(CLIENT_DIST, 'host.html')));
    // The OBS overlay and its builder; the overlay's address carries no token and it calls no /api/host route.
    app.get('/overlay', (_request, response) => response.sendFile(join(CLIENT_DIST, 'overlay.html')));
    app.get('/overlay/builder', (_request, response) => response.sendFile(join(CLIENT_DIST, 'overlay-builder.html')));
    app.use(express.static(CLIENT_DIST, { index: 'index.html' }));
  } else {
    app.get('/', (_request, response) => {
      response.status(503).type('text/plain').send(`The viewer page is not built: run \`npm run build:client\` (looked in ${CLIENT_DIST}).\n`);
    });
  }
  return app;
}
