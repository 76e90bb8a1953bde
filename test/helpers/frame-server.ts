// A stand-in host on loopback for page tests that need more updates than a
// real host trains in a test: it serves the built pages from dist/client and
// sends frames of a SyntheticRun over `/ws`, which the test pushes itself.

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';
import sharp from 'sharp';
import { WebSocket, WebSocketServer } from 'ws';

import { CLIENT_DIST } from '../../server/http/app';
import type { SyntheticRun } from './synthetic-run';

export class FrameServer {
  /** Page address, such as http://127.0.0.1:40123/. */
  readonly url: string;

  private constructor(
    private readonly server: Server,
    private readonly sockets: WebSocketServer,
  ) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  /** Starts serving; every page that connects gets `run`'s join frames first. */
  static async start(run: SyntheticRun): Promise<FrameServer> {
    const app = express();
    const png = await sharp({ create: { width: 28, height: 28, channels: 3, background: { r: 120, g: 120, b: 120 } } }).png().toBuffer();
    app.get('/overlay', (_request, response) => response.sendFile(`${CLIENT_DIST}overlay.html`));
    app.get(/^\/api\/gallery\/\d+\.png$/, (_request, response) => response.type('image/png').send(png));
    app.use(express.static(CLIENT_DIST));

    const server = createServer(app);
    const sockets = new WebSocketServer({ server, path: '/ws' });
    sockets.on('connection', (socket) => {
      for (const frame of run.joinFrames()) socket.send(frame);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FrameServer(server, sockets);
  }

  /** Number of pages connected. */
  get connections(): number {
    return this.sockets.clients.size;
  }

  /** Sends frames to every connected page, in order. */
  send(frames: readonly Uint8Array[]): void {
    for (const socket of this.sockets.clients) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      for (const frame of frames) socket.send(frame);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets.clients) socket.terminate();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
