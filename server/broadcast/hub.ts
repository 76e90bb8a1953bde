// The broadcast hub: the WebSocket endpoint at `/ws`. Every update is
// encoded once by the caller and the same bytes go to every viewer; a viewer
// whose socket cannot keep up is skipped, then dropped, so it never slows
// training or the other viewers.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocket, WebSocketServer } from 'ws';

import type { Logger } from '../log';

export interface HubOptions {
  /** Bytes queued for one viewer above which its non-essential frames are skipped. */
  softBufferLimit: number;
  /** Bytes queued for one viewer above which it is disconnected. */
  hardBufferLimit: number;
  /** Milliseconds between two pings; a viewer that missed the previous pong is dropped. */
  heartbeatInterval: number;
}

const DEFAULTS: HubOptions = {
  softBufferLimit: 1 << 20,
  hardBufferLimit: 8 << 20,
  heartbeatInterval: 30_000,
};

/** Largest message a page may send; pages send nothing today, so this only bounds abuse. */
const MAX_CLIENT_PAYLOAD = 4096;

interface Viewer {
  id: number;
  socket: WebSocket;
  alive: boolean;
}

export class BroadcastHub {
  private readonly options: HubOptions;
  private readonly server: WebSocketServer;
  private readonly viewers = new Set<Viewer>();
  private readonly heartbeat: NodeJS.Timeout;
  private nextViewerId = 1;
  private seq = 0;

  /**
   * @param snapshot frames a new viewer receives before any live update
   * @param onViewerCountChange called after a viewer joins or leaves
   */
  constructor(
    httpServer: Server,
    private readonly log: Logger,
    private readonly snapshot: (seq: number) => Uint8Array[],
    private readonly onViewerCountChange: () => void,
    options: Partial<HubOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.server = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_PAYLOAD });
    httpServer.on('upgrade', (request, socket, head) => this.handleUpgrade(request, socket, head));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.options.heartbeatInterval);
    this.heartbeat.unref();
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Next sequence number, for a frame about to be broadcast. */
  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  /**
   * Sends one encoded frame to every viewer. A non-essential frame (a loss
   * batch or reconstructions that the next one supersedes) is skipped for a
   * viewer whose send buffer is above the soft limit.
   */
  broadcast(frame: Uint8Array, essential: boolean): void {
    for (const viewer of this.viewers) {
      if (viewer.socket.readyState !== WebSocket.OPEN) continue;
      const queued = viewer.socket.bufferedAmount;
      if (queued > this.options.hardBufferLimit) {
        this.drop(viewer, `send buffer of ${queued} bytes is above the hard limit`);
        continue;
      }
      if (!essential && queued > this.options.softBufferLimit) continue;
      viewer.socket.send(frame, { binary: true });
    }
  }

  /** Closes every viewer connection and stops accepting new ones. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const viewer of this.viewers) viewer.socket.close(1001, 'host is shutting down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const viewer of this.viewers) viewer.socket.terminate();
  }

  private handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nWebSocket endpoint is /ws\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.admit(ws, request));
  }

  private admit(socket: WebSocket, request: IncomingMessage): void {
    const viewer: Viewer = { id: this.nextViewerId++, socket, alive: true };
    this.viewers.add(viewer);
    this.log.debug({ viewerId: viewer.id, address: request.socket.remoteAddress }, 'viewer connected');

    socket.on('pong', () => (viewer.alive = true));
    socket.on('message', () => this.drop(viewer, 'pages do not send messages on this protocol version'));
    socket.on('error', (error) => this.log.warn({ viewerId: viewer.id, err: error }, 'viewer socket error'));
    socket.on('close', () => {
      this.viewers.delete(viewer);
      this.log.debug({ viewerId: viewer.id }, 'viewer disconnected');
      this.onViewerCountChange();
    });

    for (const frame of this.snapshot(this.seq)) socket.send(frame, { binary: true });
    this.onViewerCountChange();
  }

  private checkHeartbeats(): void {
    for (const viewer of this.viewers) {
      if (!viewer.alive) {
        this.drop(viewer, 'no pong since the previous ping');
        continue;
      }
      viewer.alive = false;
      viewer.socket.ping();
    }
  }

  private drop(viewer: Viewer, reason: string): void {
    // The socket's `close` handler removes the viewer and reports the new count.
    this.log.info({ viewerId: viewer.id, reason }, 'dropping viewer');
    viewer.socket.terminate();
  }
}
