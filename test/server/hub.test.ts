import { connect } from 'node:net';
import type { Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { ClientMessageType, encodeClientMessage } from '../../shared/protocol/client-messages';
import { FrameType } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import type { HubOptions } from '../../server/broadcast/hub';
import { startTestHost, TestViewer, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

// A run long enough that training goes on for the whole test.
const LONG_RUN = ['--shapes-count', '400', '--batch-size', '16', '--epochs', '1000', '--recon-every', '5'];

/** A long run whose weight frames are about 100 kB each, so that a paused viewer's socket fills within seconds even on a busy machine. */
const HEAVY_RUN = [...LONG_RUN, '--latent', '128'];

let hosts: TestHost[] = [];
let viewers: TestViewer[] = [];
let sockets: Socket[] = [];

async function host(flags: string[] = LONG_RUN, options: Partial<HubOptions> = {}): Promise<TestHost> {
  const started = await startTestHost(flags, options);
  hosts.push(started);
  return started;
}

function viewer(target: TestHost, query = '', options = {}): TestViewer {
  const created = new TestViewer(target, query, options);
  viewers.push(created);
  return created;
}

afterEach(async () => {
  viewers.forEach((each) => each.close());
  sockets.forEach((socket) => socket.destroy());
  await Promise.all(hosts.map((each) => each.dispose()));
  hosts = [];
  viewers = [];
  sockets = [];
});

const typesOf = (frames: Frame[]) => new Set(frames.map((frame) => frame.type));

/** Opens a raw TCP connection and completes a WebSocket handshake on `/ws` by hand. */
async function rawWebSocket(target: TestHost, query = '?topics=status'): Promise<Socket> {
  const socket = connect(target.port, '127.0.0.1');
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /ws${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      if (!chunk.toString('latin1').includes('\r\n\r\n')) return;
      socket.off('data', onData);
      resolve();
    };
    socket.on('data', onData);
  });
  return socket;
}

/** Builds a masked client frame; `firstByte` contains FIN, RSV and the opcode. */
function clientFrame(firstByte: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length]), mask, masked]);
}

function socketClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

async function metricsText(target: TestHost): Promise<string> {
  return (await fetch(new URL('/metrics', target.url))).text();
}

/** Returns the value of one Prometheus sample line, such as `latentcast_viewers 2`. */
function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : NaN;
}

describe('topics', () => {
  it('sends a loss-only viewer only loss frames', async () => {
    const target = await host();
    const lossOnly = viewer(target, '?topics=loss');
    await lossOnly.open();
    await waitFor('live loss frames', () => lossOnly.frames.filter((frame) => frame.type === FrameType.StepLosses).length >= 3);

    expect(typesOf(lossOnly.frames)).toEqual(new Set([FrameType.Hello, FrameType.StepLosses, FrameType.Epochs]));
  });

  it('answers an unknown topic in the URL with an error frame', async () => {
    const target = await host();
    const confused = viewer(target, '?topics=loss,gossip');
    await confused.open();
    await waitFor('an error frame', () => confused.frames.some((frame) => frame.type === FrameType.Error));

    const error = confused.frames.find((frame) => frame.type === FrameType.Error);
    expect(error?.body).toMatchObject({ code: 'unknown-topic', message: expect.stringContaining('"gossip"') });
    await waitFor('loss frames after the error', () => confused.frames.filter((frame) => frame.type === FrameType.StepLosses).length >= 2);
  });

  it('adds a topic on subscribe with its snapshot', async () => {
    const target = await host();
    const growing = viewer(target, '?topics=status');
    await growing.open();
    growing.socket.send(encodeClientMessage({ type: ClientMessageType.Subscribe, topics: ['reconstructions'] }));

    await waitFor('the probe snapshot', () => growing.frames.some((frame) => frame.type === FrameType.Probes));
    expect(growing.frames.some((frame) => frame.type === FrameType.StepLosses)).toBe(false);
  });

  it('answers an unknown topic in a subscribe message without closing', async () => {
    const target = await host();
    const confused = viewer(target, '?topics=status');
    await confused.open();
    confused.socket.send(Buffer.concat([Buffer.from(encodeClientMessage({ type: ClientMessageType.Subscribe, topics: ['loss'] })).subarray(0, 10), Buffer.from('{"topics":["gossip"]}')]));

    await waitFor('an error frame', () => confused.frames.some((frame) => frame.type === FrameType.Error));
    expect(confused.socket.readyState).toBe(confused.socket.OPEN);
  });
});

describe('coalescing', () => {
  it('batches step losses to the loss rate without gaps', async () => {
    const target = await host([...LONG_RUN, '--topic-rates', 'loss=2']);
    const lossOnly = viewer(target, '?topics=loss');
    await lossOnly.open();
    await waitFor('the snapshot', () => lossOnly.frames.length >= 3);
    const snapshotFrames = lossOnly.frames.length;
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const live = lossOnly.frames.slice(snapshotFrames).filter((frame) => frame.type === FrameType.StepLosses);
    expect(live.length).toBeGreaterThanOrEqual(4);
    expect(live.length).toBeLessThanOrEqual(9);

    const steps = lossOnly.frames.flatMap((frame) => (frame.type === FrameType.StepLosses ? frame.body.map((point) => point.step) : []));
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  });
});

describe('protection', () => {
  it('closes a socket that sends binary garbage with 1008', async () => {
    const target = await host();
    const rude = viewer(target, '?topics=status');
    await rude.open();
    rude.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(await rude.closed()).toMatchObject({ code: 1008, reason: expect.stringContaining('shorter than the 10-byte header') });
  });

  it('closes a socket that sends text with 1003', async () => {
    const target = await host();
    const chatty = viewer(target, '?topics=status');
    await chatty.open();
    chatty.socket.send('hello');
    expect(await chatty.closed()).toMatchObject({ code: 1003 });
  });

  it('closes a socket above the payload limit with 1009', async () => {
    const target = await host();
    const bulky = viewer(target, '?topics=status');
    await bulky.open();
    bulky.socket.send(Buffer.alloc(5000));
    expect((await bulky.closed()).code).toBe(1009);
    await waitFor('the payload drop in /metrics', async () => (await metricsText(target)).includes('latentcast_clients_terminated_total{reason="payload"} 1'));
  });

  it('closes a socket above the message rate with 1008', async () => {
    const target = await host(LONG_RUN, { messageBurst: 5, messagesPerSecond: 1 });
    const flooder = viewer(target, '?topics=status');
    await flooder.open();
    const message = encodeClientMessage({ type: ClientMessageType.Unsubscribe, topics: ['loss'] });
    for (let i = 0; i < 20; i++) flooder.socket.send(message);
    expect(await flooder.closed()).toMatchObject({ code: 1008, reason: 'more than 1 messages per second' });
  });

  it('rejects connections above the per-address limit with 429', async () => {
    const target = await host(LONG_RUN, { maxConnectionsPerIp: 2 });
    await Promise.all([viewer(target).open(), viewer(target).open()]);
    await expect(viewer(target).open()).rejects.toThrow(/429/);

    viewers[0].close();
    await waitFor('a freed slot', async () => {
      const retry = viewer(target);
      return retry.open().then(
        () => true,
        () => false,
      );
    });
  });

  it('accepts only allowed origins', async () => {
    const target = await host(LONG_RUN, { allowedOrigins: ['https://stream.example'] });
    await expect(viewer(target, '', { origin: 'https://evil.example' }).open()).rejects.toThrow(/403/);
    await expect(viewer(target).open()).rejects.toThrow(/403/);
    await viewer(target, '', { origin: 'https://stream.example' }).open();
  });

  it.each([
    ['RSV bits set', clientFrame(0xf2, Buffer.from([1, 2, 3]))],
    ['an invalid opcode', clientFrame(0x83, Buffer.from([1, 2, 3]))],
    ['a continuation without a start', clientFrame(0x80, Buffer.from([1, 2, 3]))],
    ['a fragmented control frame', clientFrame(0x09, Buffer.from([1]))],
    ['raw garbage', Buffer.from('GET / HTTP/1.1\r\n\r\nnot a frame at all')],
  ])('survives %s on one socket', async (_case, bytes) => {
    const target = await host();
    const bystander = viewer(target, '?topics=loss');
    await bystander.open();
    const attacker = await rawWebSocket(target);

    attacker.write(bytes);
    await socketClosed(attacker);

    const received = bystander.frames.length;
    await waitFor('the bystander to keep receiving', () => bystander.frames.length > received);
    expect((await fetch(new URL('/healthz', target.url))).status).toBe(200);
  });

  it('drops a viewer that stops answering pings', async () => {
    const target = await host(LONG_RUN, { heartbeatInterval: 200 });
    const silent = viewer(target, '?topics=status', { autoPong: false });
    await silent.open();
    const started = Date.now();
    await silent.closed();
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor('the heartbeat drop in /metrics', async () => (await metricsText(target)).includes('latentcast_clients_terminated_total{reason="heartbeat"} 1'));
  });

  it('terminates a stalled viewer above the hard limit', async () => {
    // The soft limit is out of reach here, so frames keep queueing until the hard limit.
    const limits = { softBufferLimit: 1 << 30, hardBufferLimit: 64 * 1024, stallTimeout: 600_000 };
    const target = await host([...HEAVY_RUN, '--topic-rates', 'reconstructions=50,weights=50'], limits);
    const stalled = await rawWebSocket(target, '?topics=reconstructions,weights');
    stalled.pause();

    await waitFor('the stalled viewer to be terminated', async () => metricValue(await metricsText(target), 'latentcast_clients_terminated_total{reason="buffer"}') === 1, 45_000);
    await socketClosedOrReset(stalled);
    expect(metricValue(await metricsText(target), 'latentcast_viewers')).toBe(0);
  });

  it('terminates a viewer stalled above the soft limit too long', async () => {
    const limits = { softBufferLimit: 16 * 1024, hardBufferLimit: 1 << 30, stallTimeout: 1000 };
    const target = await host([...HEAVY_RUN, '--topic-rates', 'reconstructions=50,weights=50'], limits);
    const stalled = await rawWebSocket(target, '?topics=reconstructions,weights');
    stalled.pause();

    await waitFor('the stalled viewer to be terminated', async () => metricValue(await metricsText(target), 'latentcast_clients_terminated_total{reason="stall"}') === 1, 45_000);
    await socketClosedOrReset(stalled);
  });

  it('skips non-essential frames for a slow viewer', async () => {
    const limits = { softBufferLimit: 16 * 1024, hardBufferLimit: 64 * 1024 * 1024, stallTimeout: 60_000 };
    const target = await host([...LONG_RUN, '--topic-rates', 'reconstructions=50,weights=50'], limits);
    const stalled = await rawWebSocket(target, '?topics=reconstructions,weights');
    stalled.pause();

    await waitFor('skipped frames in /metrics', async () => {
      const text = await metricsText(target);
      return metricValue(text, 'latentcast_frames_skipped_total{topic="reconstructions"}') > 0;
    }, 45_000);
  });
});

describe('metrics', () => {
  it('reports viewers, traffic, lag, memory and training speed', async () => {
    const target = await host();
    const watcher = viewer(target);
    await watcher.open();
    await waitFor('a training speed in /metrics', async () => metricValue(await metricsText(target), 'latentcast_training_steps_per_second') > 0);

    const text = await metricsText(target);
    expect(metricValue(text, 'latentcast_viewers')).toBe(1);
    expect(metricValue(text, 'latentcast_frames_sent_total{topic="loss"}')).toBeGreaterThan(0);
    expect(metricValue(text, 'latentcast_bytes_sent_total{topic="loss"}')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });
});

/** Resolves once the host has closed or reset a paused raw socket. */
async function socketClosedOrReset(socket: Socket): Promise<void> {
  socket.on('error', () => {});
  socket.resume();
  await socketClosed(socket);
}
