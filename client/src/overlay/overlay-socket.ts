// The overlay's WebSocket to the host. It reconnects forever with capped
// exponential backoff and jitter, and it can be paused: a paused socket is
// closed, and resuming opens a new one at once. Each connection starts with
// the host's Hello frame and a snapshot of every subscribed topic, so a new
// connection is how the overlay jumps to the latest state.

import { decodeFrame, FrameType } from '../../../shared/protocol/frames';
import type { Frame } from '../../../shared/protocol/frames';

/**
 * State of the socket: `paused` while the overlay is hidden, and `resuming`
 * from being shown again until the new connection's Hello frame, while the
 * last state received is still on screen.
 */
export type SocketState = 'connecting' | 'live' | 'reconnecting' | 'paused' | 'resuming';

/** Minimum reconnect delay, in milliseconds. */
export const MIN_RECONNECT_MS = 1000;
/** Maximum reconnect delay, in milliseconds. */
export const MAX_RECONNECT_MS = 30_000;

/** Close code sent when the overlay is hidden or stops (RFC 6455 1000, normal closure). */
const CLOSE_NORMAL = 1000;

/**
 * Returns the delay before reconnect attempt `attempt` (0 for the first), in
 * ms: a ceiling of 2 s doubling per attempt up to MAX_RECONNECT_MS, of which a
 * random half is dropped. The delay is therefore always from MIN_RECONNECT_MS
 * to MAX_RECONNECT_MS, and overlays of a restarted host do not all return at once.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RECONNECT_MS, 2 * MIN_RECONNECT_MS * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + (random() * ceiling) / 2;
}

export interface OverlaySocketOptions {
  /** WebSocket URL of the host, with its `topics`. */
  url: string;
  /** Called with every decoded frame, starting with each connection's Hello. */
  onFrame: (frame: Frame) => void;
  /** Called when the state changes. */
  onState: (state: SocketState) => void;
  /** Random source for the jitter; Math.random unless a test needs another. */
  random?: () => number;
}

export class OverlaySocket {
  private readonly options: OverlaySocketOptions;
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private helloSeen = false;
  private running = false;
  private paused = false;

  constructor(options: OverlaySocketOptions) {
    this.options = options;
  }

  /** Connects, and reconnects after every close until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.paused) this.open();
  }

  /** Closes the socket and cancels any pending reconnect for good. */
  stop(): void {
    this.running = false;
    this.close();
  }

  /** Closes the socket until `resume`; frames the host sends meanwhile are never received. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.close();
    this.options.onState('paused');
  }

  /** Opens a new connection at once, whose Hello and snapshot replace the state shown. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.attempt = 0;
    if (this.running) this.open('resuming');
  }

  private open(state: SocketState = this.attempt === 0 ? 'connecting' : 'reconnecting'): void {
    this.retryTimer = null;
    this.helloSeen = false;
    this.options.onState(state);

    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url);
    } catch (error) {
      console.warn(`latentcast overlay: failed to open ${this.options.url}`, error);
      this.scheduleReconnect();
      return;
    }
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => {
      if (socket === this.socket) this.receive(event.data);
    });
    // The WebSocket standard fires close after every error, so close alone drives reconnects.
    // TODO: a host lost without a TCP close (a dropped network) is noticed only when the browser's socket times out.
    socket.addEventListener('close', () => {
      if (socket === this.socket) this.onClose();
    });
    this.socket = socket;
  }

  private close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close(CLOSE_NORMAL);
  }

  private onClose(): void {
    this.socket = null;
    if (!this.running || this.paused) return;
    this.options.onState('reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = reconnectDelay(this.attempt, this.options.random);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      console.warn('latentcast overlay: skipped a text message; the host sends binary frames only');
      return;
    }

    let frame: Frame;
    try {
      frame = decodeFrame(data);
    } catch (error) {
      console.warn(`latentcast overlay: skipped a frame of ${data.byteLength} bytes that failed to decode`, error);
      return;
    }

    // Frames before Hello would belong to no known run, so they are skipped.
    if (frame.type === FrameType.Hello) {
      this.helloSeen = true;
      this.attempt = 0;
      this.options.onState('live');
    } else if (!this.helloSeen) {
      console.warn(`latentcast overlay: skipped frame type ${frame.type} that arrived before the Hello frame`);
      return;
    }
    this.options.onFrame(frame);
  }
}
