// The page's WebSocket to the host. The page picks its topics in the URL; the
// host sends a Hello frame with the run config, the history of those topics,
// then live updates.

import { decodeFrame, FrameType } from '../../../shared/protocol/frames';
import type { Topic } from '../../../shared/protocol/topics';
import { LiveStore } from './live-store';

export { LiveStore } from './live-store';
export type { ConnectionState, StoreListener } from './live-store';

/** First reconnect delay before jitter, in milliseconds. */
const BACKOFF_BASE_MS = 500;
/** Maximum reconnect delay, in milliseconds. */
const BACKOFF_CAP_MS = 10_000;

/**
 * Returns the `/ws` URL on the page's own host, `wss:` when the page is served
 * over https, subscribed to `topics` (every topic when empty).
 */
export function socketUrl(topics: readonly Topic[] = [], location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = topics.length > 0 ? `?topics=${topics.join(',')}` : '';
  return `${scheme}//${location.host}/ws${query}`;
}

/**
 * Returns the delay before reconnect attempt `attempt` (0 for the first), in ms.
 *
 * The delay doubles per attempt up to BACKOFF_CAP_MS, and a random half of it
 * is dropped so that viewers of a restarted host do not all return at once.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Keeps a socket open to the host and feeds every decoded frame into a store. */
export class LiveConnection {
  /** Store that receives the frames; shared with the components that render it. */
  readonly store: LiveStore;
  /** WebSocket URL of the host. */
  readonly url: string;

  private socket: WebSocket | null;
  private retryTimer: ReturnType<typeof setTimeout> | null;
  private attempt: number;
  private helloSeen: boolean;
  private running: boolean;

  constructor(store: LiveStore, url: string = socketUrl()) {
    this.store = store;
    this.url = url;
    this.socket = null;
    this.retryTimer = null;
    this.attempt = 0;
    this.helloSeen = false;
    this.running = false;
  }

  /** Opens the socket; after any close, reconnects until `stop` is called. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  /** Closes the socket and cancels any pending reconnect. */
  stop(): void {
    this.running = false;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private open(): void {
    this.retryTimer = null;
    this.helloSeen = false;

    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      console.warn(`latentcast: failed to open ${this.url}`, error);
      this.scheduleReconnect();
      return;
    }
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => this.store.setConnection('live'));
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => this.onClose(socket));
    this.socket = socket;
  }

  // Only close events are handled, because the WebSocket standard fires close after every error event.
  private onClose(socket: WebSocket): void {
    if (socket !== this.socket || !this.running) return;
    this.socket = null;
    this.store.setConnection('reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      console.warn('latentcast: skipped a text message; the host sends binary frames only');
      return;
    }

    let frame;
    try {
      frame = decodeFrame(data);
    } catch (error) {
      console.warn(`latentcast: skipped a frame of ${data.byteLength} bytes that failed to decode`, error);
      return;
    }

    // The host sends Hello first on every connection, followed by the whole
    // history, so the store resets there. A frame before it would append to
    // the previous connection's history.
    if (frame.type === FrameType.Hello) {
      this.helloSeen = true;
      this.attempt = 0;
    } else if (!this.helloSeen) {
      console.warn(`latentcast: skipped frame type ${frame.type} that arrived before the Hello frame`);
      return;
    }
    this.store.applyFrame(frame);
  }
}
