// HTTP routes of the host: the built pages, the status API and the health check.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import express from 'express';

import type { HostStatus } from '../../shared/training';
import type { HostMetrics } from './metrics';

/** Folder that `npm run build:client` writes the pages to. */
export const CLIENT_DIST = fileURLToPath(new URL('../../dist/client/', import.meta.url));

export function createApp(status: () => HostStatus, metrics: HostMetrics): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_request, response) => {
    response.type('text/plain').send('ok\n');
  });

  app.get('/api/status', (_request, response) => {
    response.set('Cache-Control', 'no-store').json(status());
  });

  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use('/api', (request, response) => {
    response.status(404).json({ error: `no API route ${request.method} ${request.originalUrl}` });
  });

  if (existsSync(CLIENT_DIST)) {
    app.use(express.static(CLIENT_DIST, { index: 'index.html' }));
  } else {
    app.get('/', (_request, response) => {
      response.status(503).type('text/plain').send(`The viewer page is not built: run \`npm run build:client\` (looked in ${CLIENT_DIST}).\n`);
    });
  }
  return app;
}
