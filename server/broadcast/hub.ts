// The broadcast hub: the WebSocket endpoint at `/ws`. Every update is
// encoded once by the caller and the same bytes go to every viewer that
// subscribed to its topic. A viewer that cannot keep up is skipped, then
// dropped, and a hostile one is closed, so neither slows training or the
// other viewers.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';

import {
  ClientMessageError,
  ClientMessageType,
  decodeClientMessage,
  MAX_CLIENT_MESSAGE_BYTES,
  UnknownTopicError,
} from '../../shared/protocol/client-messages';
import type { ClientMessage } from '../../shared/protocol/client-messages';
import { encodeError } from '../../shared/protocol/frames';
import { isTopic, TOPICS } from '../../shared/protocol/topics';
import type { Topic } from '../../shared/protocol/topics';
import type { DropReason, HostMetrics } from '../http/metrics';
import type { Logger } from '../log';

export interface HubOptions {
  /** Bytes queued for one viewer above which its non-essential frames are skipped. */
  softBufferLimit: number;
  /** Bytes queued for one viewer above which it is disconnected. */
  hardBufferLimit: number;
  /** Milliseconds a viewer may stay above the soft limit before it is disconnected. */
  stallTimeout: number;
  /** Milliseconds between two pings; a viewer that missed the previous pong is dropped. */
  heartbeatInterval: number;
  /** Open connections allowed from one IP address. */
  maxConnectionsPerIp: number;
  /** Messages a page may send per second, on average. */
  messagesPerSecond: number;
  /** Messages a page may send in a burst before the per-second rate applies. */
  messageBurst: number;
  /** Origins allowed to open `/ws`, such as `https://example.com`; null allows any. */
  allowedOrigins: string[] | null;
}

export const HUB_DEFAULTS: HubOptions = {
  softBufferLimit: 256 * 1024,
  hardBufferLimit: 4 * 1024 * 1024,
  stallTimeout: 30_000,
  heartbeatInterval: 15_000,
  maxConnectionsPerIp: 32,
  messagesPerSecond: 5,
  messageBurst: 20,
  allowedOrigins: null,
};

/** Close code for a message that breaks the protocol (RFC 6455, 1008 policy violation). */
const CLOSE_POLICY = 1008;

/** Close code for a text message on this binary protocol (RFC 6455, 1003 unsupported data). */
const CLOSE_UNSUPPORTED = 1003;

interface Viewer {
  id: number;
  socket: WebSocket;
  ip: string;
  /** Cookie header of the upgrade request, which carries the gallery's viewer id. */
  cookie: string | undefined;
  topics: Set<Topic>;
  alive: boolean;
  /** Messages the page may still send now, refilled at `messagesPerSecond`. */
  tokens: number;
  tokensUpdatedAt: number;
  /** Time at which the send buffer rose above the soft limit, or null while below. */
  overSoftLimitSince: number | null;
}

/** Sources of the frames a viewer receives when it joins or subscribes. */
export interface SnapshotSource {
  /** Hello frame: configuration and status. */
  hello(seq: number): Uint8Array;
  /** Frames that bring a viewer up to date on one topic. */
  topic(topic: Topic, seq: number): Uint8Array[];
}

/** A page's message that requests an action of the host, such as a gallery submission or a poll vote, rather than a subscription change. */
export type ClientRequest = Extract<ClientMessage, { type: ClientMessageType.GallerySubmit | ClientMessageType.PollVote }>;

/** The connection a request came from. */
export interface RequestSender {
  /** Remote IP address of the connection. */
  ip: string;
  /** Cookie header of the WebSocket upgrade request. */
  cookie: string | undefined;
  /** Sends one frame, built with the hub's current sequence number, to this connection while it is open. */
  reply(encode: (seq: number) => Uint8Array): void;
}

/** Handler of requests. The hub routes each request to it and does not wait for it to finish. */
export type ClientRequestHandler<Request extends ClientRequest = ClientRequest> = (request: Request, sender: RequestSender) => void;

export class BroadcastHub {
  private readonly options: HubOptions;
  private readonly server: WebSocketServer;
  private readonly viewers = new Set<Viewer>();
  private readonly connectionsPerIp = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private nextViewerId = 1;
  private seq = 0;

  constructor(
    httpServer: Server,
    private readonly log: Logger,
    private readonly metrics: HostMetrics,
    private readonly snapshot: SnapshotSource,
    private readonly onViewerCountChange: () => void,
    options: Partial<HubOptions> = {},
    private readonly onRequest: ClientRequestHandler | null = null,
  ) {
    this.options = { ...HUB_DEFAULTS, ...options };
    this.server = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
    httpServer.on('upgrade', (request, socket, head) => this.handleUpgrade(request, socket, head));
    this.heartbeat = setInterval(() => this.checkViewers(), this.options.heartbeatInterval);
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
   * Sends one encoded frame to every viewer subscribed to `topic`. A
   * non-essential frame (one that the next frame of its topic supersedes) is
   * skipped for a viewer whose send buffer is above the soft limit.
   */
  broadcast(frame: Uint8Array, topic: Topic, essential: boolean): void {
    // TODO: one socket write per frame per viewer limits fan-out to about 2,500 viewers per core
    // (see docs/benchmarks.md). Corking each viewer's frames of a tick into one write would cut it.
    let recipients = 0;
    let skipped = 0;
    for (const viewer of this.viewers) {
      if (!viewer.topics.has(topic) || viewer.socket.readyState !== WebSocket.OPEN) continue;
      if (!this.withinBufferLimits(viewer)) continue;
      if (!essential && viewer.overSoftLimitSince !== null) {
        skipped++;
        continue;
      }
      viewer.socket.send(frame, { binary: true });
      recipients++;
    }
    this.metrics.sent(topic, recipients, frame.length);
    this.metrics.skipped(topic, skipped);
  }

  /**
   * Sends one essential frame to every open connection whatever its topics,
   * as the Hello frame goes to each; metrics count it under `status`.
   */
  broadcastToAll(frame: Uint8Array): void {
    let recipients = 0;
    for (const viewer of this.viewers) {
      if (viewer.socket.readyState !== WebSocket.OPEN || !this.withinBufferLimits(viewer)) continue;
      viewer.socket.send(frame, { binary: true });
      recipients++;
    }
    this.metrics.sent('status', recipients, frame.length);
  }

  /** Closes every viewer connection and stops accepting new ones. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const viewer of this.viewers) viewer.socket.close(1001, 'host is shutting down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const viewer of this.viewers) viewer.socket.terminate();
  }

  private handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      rejectUpgrade(socket, 404, 'the WebSocket endpoint is /ws');
      return;
    }

    const origin = request.headers.origin;
    if (this.options.allowedOrigins && !this.options.allowedOrigins.includes(origin ?? '')) {
      this.metrics.dropped('origin');
      this.log.info({ origin }, 'rejected WebSocket from an origin not on the allow-list');
      rejectUpgrade(socket, 403, `origin ${origin ?? '(none)'} is not on the host's --allowed-origins list`);
      return;
    }

    const ip = request.socket.remoteAddress ?? 'unknown';
    if ((this.connectionsPerIp.get(ip) ?? 0) >= this.options.maxConnectionsPerIp) {
      this.metrics.dropped('ip-limit');
      this.log.info({ ip }, 'rejected WebSocket above the per-address connection limit');
      rejectUpgrade(socket, 429, `more than ${this.options.maxConnectionsPerIp} connections from ${ip}`);
      return;
    }

    const requested = (url.searchParams.get('topics') ?? '').split(',').filter((topic) => topic !== '');
    this.server.handleUpgrade(request, socket, head, (ws) => this.admit(ws, ip, request.headers.cookie, requested));
  }

  private admit(socket: WebSocket, ip: string, cookie: string | undefined, requestedTopics: string[]): void {
    const known = requestedTopics.filter(isTopic);
    const viewer: Viewer = {
      id: this.nextViewerId++,
      socket,
      ip,
      cookie,
      topics: new Set(requestedTopics.length === 0 ? TOPICS : known),
      alive: true,
      tokens: this.options.messageBurst,
      tokensUpdatedAt: Date.now(),
      overSoftLimitSince: null,
    };
    this.viewers.add(viewer);
    this.connectionsPerIp.set(ip, (this.connectionsPerIp.get(ip) ?? 0) + 1);
    this.log.debug({ viewerId: viewer.id, ip, topics: [...viewer.topics] }, 'viewer connected');

    socket.on('pong', () => (viewer.alive = true));
    socket.on('message', (data, isBinary) => this.receive(viewer, data, isBinary));
    socket.on('error', (error: Error & { code?: string }) => this.handleSocketError(viewer, error));
    socket.on('close', () => this.forget(viewer));

    this.send(viewer, this.snapshot.hello(this.seq));
    this.sendTopicSnapshots(viewer, [...viewer.topics]);
    const unknown = requestedTopics.filter((topic) => !isTopic(topic));
    if (unknown.length > 0) this.send(viewer, encodeError(this.seq, { code: 'unknown-topic', message: new UnknownTopicError(unknown).message }));
    this.onViewerCountChange();
  }

  private receive(viewer: Viewer, data: RawData, isBinary: boolean): void {
    if (!this.takeToken(viewer)) {
      this.closeViewer(viewer, 'rate', CLOSE_POLICY, `more than ${this.options.messagesPerSecond} messages per second`);
      return;
    }
    if (!isBinary) {
      this.closeViewer(viewer, 'protocol', CLOSE_UNSUPPORTED, 'text messages are not part of this protocol');
      return;
    }

    try {
      const message = decodeClientMessage(toBytes(data));
      if (message.type === ClientMessageType.Subscribe) {
        const added = message.topics.filter((topic) => !viewer.topics.has(topic));
        added.forEach((topic) => viewer.topics.add(topic));
        this.sendTopicSnapshots(viewer, added);
      } else if (message.type === ClientMessageType.Unsubscribe) {
        message.topics.forEach((topic) => viewer.topics.delete(topic));
      } else {
        this.routeRequest(viewer, message);
      }
    } catch (error) {
      if (error instanceof UnknownTopicError) {
        this.send(viewer, encodeError(this.seq, { code: 'unknown-topic', message: error.message }));
      } else if (error instanceof ClientMessageError) {
        this.closeViewer(viewer, 'protocol', CLOSE_POLICY, error.message);
      } else {
        throw error;
      }
    }
  }

  private routeRequest(viewer: Viewer, request: ClientRequest): void {
    if (!this.onRequest) {
      this.send(viewer, encodeError(this.seq, { code: 'unsupported', message: 'this host does not take gallery submissions or poll votes over /ws' }));
      return;
    }

    this.onRequest(request, {
      ip: viewer.ip,
      cookie: viewer.cookie,
      reply: (encode) => {
        if (viewer.socket.readyState === WebSocket.OPEN) this.send(viewer, encode(this.seq));
      },
    });
  }

  private sendTopicSnapshots(viewer: Viewer, topics: Topic[]): void {
    for (const topic of topics) {
      for (const frame of this.snapshot.topic(topic, this.seq)) this.send(viewer, frame);
    }
  }

  /** Checks the send buffer; drops a viewer above the hard limit or stalled too long. */
  private withinBufferLimits(viewer: Viewer): boolean {
    const queued = viewer.socket.bufferedAmount;
    if (queued > this.options.hardBufferLimit) {
      this.drop(viewer, 'buffer', `send buffer of ${queued} bytes is above the hard limit`);
      return false;
    }
    if (queued <= this.options.softBufferLimit) {
      viewer.overSoftLimitSince = null;
      return true;
    }

    viewer.overSoftLimitSince ??= Date.now();
    if (Date.now() - viewer.overSoftLimitSince > this.options.stallTimeout) {
      this.drop(viewer, 'stall', `send buffer above the soft limit for over ${this.options.stallTimeout} ms`);
      return false;
    }
    return true;
  }

  private checkViewers(): void {
    for (const viewer of this.viewers) {
      if (!viewer.alive) {
        this.drop(viewer, 'heartbeat', 'no pong since the previous ping');
        continue;
      }
      if (!this.withinBufferLimits(viewer)) continue;
      viewer.alive = false;
      viewer.socket.ping();
    }
  }

  private handleSocketError(viewer: Viewer, error: Error & { code?: string }): void {
    // ws has already closed the socket with the matching code (1009 for size, 1002 for a bad frame).
    const reason: DropReason = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'payload' : 'protocol';
    this.metrics.dropped(reason);
    this.log.info({ viewerId: viewer.id, ip: viewer.ip, reason, err: error.message }, 'viewer socket error');
  }

  private takeToken(viewer: Viewer): boolean {
    const now = Date.now();
    const refill = ((now - viewer.tokensUpdatedAt) / 1000) * this.options.messagesPerSecond;
    viewer.tokens = Math.min(this.options.messageBurst, viewer.tokens + refill);
    viewer.tokensUpdatedAt = now;
    if (viewer.tokens < 1) return false;
    viewer.tokens--;
    return true;
  }

  private send(viewer: Viewer, frame: Uint8Array): void {
    viewer.socket.send(frame, { binary: true });
  }

  /** Closes with a code and a reason the page can show, for a viewer that broke a rule. */
  private closeViewer(viewer: Viewer, reason: DropReason, code: number, message: string): void {
    this.metrics.dropped(reason);
    this.log.info({ viewerId: viewer.id, ip: viewer.ip, reason, message }, 'closing viewer');
    viewer.socket.close(code, truncateReason(message));
  }

  /** Terminates a viewer that cannot be reached in time, without a closing handshake. */
  private drop(viewer: Viewer, reason: DropReason, message: string): void {
    this.metrics.dropped(reason);
    this.log.info({ viewerId: viewer.id, ip: viewer.ip, reason, message }, 'dropping viewer');
    // The socket's `close` handler removes the viewer and reports the new count.
    viewer.socket.terminate();
  }

  private forget(viewer: Viewer): void {
    if (!this.viewers.delete(viewer)) return;
    const remaining = (this.connectionsPerIp.get(viewer.ip) ?? 1) - 1;
    if (remaining > 0) this.connectionsPerIp.set(viewer.ip, remaining);
    else this.connectionsPerIp.delete(viewer.ip);
    this.log.debug({ viewerId: viewer.id }, 'viewer disconnected');
    this.onViewerCountChange();
  }
}

/** Rejects a WebSocket upgrade with a plain HTTP error and closes the socket. */
function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = { 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' }[status] ?? 'Bad Request';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Joins the fragments ws may hand over into one byte array. */
function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A close reason must fit in 123 bytes of UTF-8 (RFC 6455, section 5.5). */
function truncateReason(message: string): string {
  const bytes = Buffer.from(message);
  return bytes.length <= 123 ? message : `${bytes.subarray(0, 120).toString('utf8')}...`;
}
