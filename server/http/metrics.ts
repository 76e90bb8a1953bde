// Prometheus metrics of the host, served at GET /metrics. prom-client's
// default metrics add event-loop lag (with its p99), heap and RSS.

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

import type { Topic } from '../../shared/protocol/topics';

/** Reason the host closed a viewer's socket or rejected a connection. */
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

  private readonly gallerySubmissions = new Counter({
    name: 'latentcast_gallery_submissions_total',
    help: 'Gallery submissions, by result: accepted, or the rejection code (invalid, too-large, banned, rate-limited, unavailable, failed).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly galleryVotes = new Counter({
    name: 'latentcast_gallery_votes_total',
    help: 'Gallery vote and un-vote requests, by action and result: counted, repeat (no change), or the rejection code.',
    labelNames: ['action', 'result'],
    registers: [this.registry],
  });
  private readonly galleryRateLimits = new Counter({
    name: 'latentcast_gallery_rate_limited_total',
    help: 'Gallery requests rejected with 429, by action (submit, vote) and by the bucket that ran out (viewer, ip).',
    labelNames: ['action', 'scope'],
    registers: [this.registry],
  });
  private readonly galleryDecodePasses = new Counter({
    name: 'latentcast_gallery_decode_passes_total',
    help: 'Forward passes of the decoder for gallery submissions; each pass decodes a batch.',
    registers: [this.registry],
  });
  private readonly galleryDecodedImages = new Counter({
    name: 'latentcast_gallery_decoded_images_total',
    help: 'Images decoded for gallery submissions.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  gallerySubmission(result: string): void {
    this.gallerySubmissions.inc({ result });
  }

  galleryVote(action: 'vote' | 'unvote', result: string): void {
    this.galleryVotes.inc({ action, result });
  }

  galleryRateLimited(action: 'submit' | 'vote', scope: 'viewer' | 'ip'): void {
    this.galleryRateLimits.inc({ action, scope });
  }

  /** Counts one decoder pass over `images` submissions. */
  galleryDecoded(images: number): void {
    this.galleryDecodePasses.inc();
    this.galleryDecodedImages.inc(images);
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
