// Prometheus metrics of the host, served at GET /metrics. prom-client's
// default metrics add event-loop lag (with its p99), heap and RSS.

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

import type { Topic } from '../../shared/protocol/topics';

/** Why the host closed a viewer's socket or rejected a connection. */
export type DropReason =
  | 'buffer' // send buffer above the hard limit
  | 'stall' // send buffer above the soft limit for too long
  | 'heartbeat' // no pong since the previous ping
  | 'rate' // too many messages from the page
  | 'payload' // a message above the size limit
  | 'protocol' // a malformed frame or a message that breaks the protocol
  | 'origin' // Origin header not on the allow-list
  | 'ip-limit'; // too many connections from one address

export class HostMetrics {
  readonly registry = new Registry();
  readonly viewers = new Gauge({ name: 'latentcast_viewers', help: 'Connected WebSocket viewers.', registers: [this.registry] });
  readonly trainingStepsPerSecond = new Gauge({
    name: 'latentcast_training_steps_per_second',
    help: 'Training steps per second over the last batch of step losses.',
    registers: [this.registry],
  });
  private readonly framesSent = new Counter({
    name: 'latentcast_frames_sent_total',
    help: 'Frames queued to viewers, by topic.',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private readonly bytesSent = new Counter({
    name: 'latentcast_bytes_sent_total',
    help: 'Bytes of frames queued to viewers, by topic.',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private readonly framesSkipped = new Counter({
    name: 'latentcast_frames_skipped_total',
    help: 'Frames not sent to a viewer whose send buffer was above the soft limit, by topic.',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private readonly clientsDropped = new Counter({
    name: 'latentcast_clients_terminated_total',
    help: 'Viewer connections closed or rejected by the host, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one frame of `bytes` bytes queued to `recipients` viewers. */
  sent(topic: Topic | 'control', recipients: number, bytes: number): void {
    if (recipients === 0) return;
    this.framesSent.inc({ topic }, recipients);
    this.bytesSent.inc({ topic }, recipients * bytes);
  }

  skipped(topic: Topic, count: number): void {
    if (count > 0) this.framesSkipped.inc({ topic }, count);
  }

  dropped(reason: DropReason): void {
    this.clientsDropped.inc({ reason });
  }
}
