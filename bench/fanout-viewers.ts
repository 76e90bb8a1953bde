// One process of simulated viewers for `bench/fanout.ts`, which forks a few
// of these so that receiving is spread over processes. Every socket
// subscribes to all topics, counts what it receives and turns each live loss
// point into a delivery latency: receipt time minus the time the point was
// produced (runStartedAt + elapsedMs).

import { WebSocket } from 'ws';
import type { RawData } from 'ws';

import { decodeFrame, FrameType } from '../shared/protocol/frames';
import type { HelloBody } from '../shared/protocol/frames';
import type { StepLoss } from '../shared/training';
import { LatencyHistogram } from './fanout-messages';
import type { ViewerCommand, ViewerProtocol, ViewerReply, ViewerReport } from './fanout-messages';

// Every 50th socket decodes every frame to catch malformed ones. The rest
// decode step losses only, because parsing every JSON status frame would
// take CPU from the host under test, which shares the cores with this process.
const FULL_DECODE_EVERY = 50;

// The naive server's loss points are about 80 bytes of JSON and its
// reconstructions over 100 KB. Only the small ones are parsed, for the same
// reason as above: parsing every reconstruction would slow the host under
// test more than the naive server itself.
const NAIVE_PARSE_LIMIT = 1024;

const HANDSHAKE_TIMEOUT_MS = 15_000;
const MAX_FAILURE_SAMPLES = 5;

interface Connection {
  socket: WebSocket;
  fullDecode: boolean;
  /** The first step-loss frame is the downsampled history, not live points. */
  historySeen: boolean;
  lastStep: number | null;
}

class ViewerFleet {
  private readonly connections: Connection[] = [];
  private readonly latency = new LatencyHistogram();
  private readonly failureSamples: string[] = [];
  private runStartedAt: number | null = null;
  private measuring = false;
  private windowStart = 0;
  private cpuAtStart = process.cpuUsage();
  private bytes = 0;
  private messages = 0;
  private missingPoints = 0;
  private closes = 0;
  private decodeErrors = 0;

  constructor(private readonly protocol: ViewerProtocol) {}

  /**
   * Opens `count` sockets with at most `concurrency` handshakes in flight,
   * starting none after `deadline`, so that a host too busy to complete
   * handshakes ends the ramp instead of stretching it without bound.
   */
  async connect(url: string, count: number, concurrency: number, deadline: number): Promise<{ failures: number; notStarted: number }> {
    let next = 0;
    let failures = 0;
    const openOne = async (): Promise<void> => {
      while (next < count && Date.now() < deadline) {
        const index = next++;
        if (!(await this.open(url, index))) failures++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, openOne));
    return { failures, notStarted: count - next };
  }

  get openCount(): number {
    return this.connections.filter((connection) => connection.socket.readyState === WebSocket.OPEN).length;
  }

  startWindow(): void {
    this.latency.reset();
    this.bytes = 0;
    this.messages = 0;
    this.missingPoints = 0;
    this.closes = 0;
    this.decodeErrors = 0;
    this.failureSamples.length = 0;
    this.windowStart = Date.now();
    this.cpuAtStart = process.cpuUsage();
    this.measuring = true;
  }

  endWindow(): ViewerReport {
    this.measuring = false;
    const cpu = process.cpuUsage(this.cpuAtStart);
    return {
      windowMs: Date.now() - this.windowStart,
      open: this.openCount,
      bytes: this.bytes,
      messages: this.messages,
      latency: this.latency.toPairs(),
      missingPoints: this.missingPoints,
      closes: this.closes,
      decodeErrors: this.decodeErrors,
      cpuMs: (cpu.user + cpu.system) / 1000,
      failureSamples: [...this.failureSamples],
    };
  }

  get failures(): string[] {
    return this.failureSamples;
  }

  private open(url: string, index: number): Promise<boolean> {
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    const connection: Connection = { socket, fullDecode: index % FULL_DECODE_EVERY === 0, historySeen: false, lastStep: null };

    return new Promise((resolve) => {
      socket.once('open', () => {
        this.connections.push(connection);
        resolve(true);
      });
      socket.once('unexpected-response', (_request, response) => {
        this.noteFailure(`handshake rejected with HTTP ${response.statusCode}`);
        socket.terminate();
        resolve(false);
      });
      socket.on('error', (error) => {
        this.noteFailure(`socket error: ${error.message}`);
        resolve(false);
      });
      socket.on('close', (code) => {
        if (this.measuring) {
          this.closes++;
          this.noteFailure(`socket closed with code ${code} during the measurement`);
        }
      });
      socket.on('message', (data, isBinary) => this.receive(connection, data as Buffer, isBinary));
    });
  }

  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    const receivedAt = Date.now();
    if (this.measuring) {
      this.bytes += data.length;
      this.messages++;
    }
    try {
      if (this.protocol === 'binary') this.receiveFrame(connection, data, isBinary, receivedAt);
      else this.receiveJson(connection, data, isBinary, receivedAt);
    } catch (error) {
      if (this.measuring) this.decodeErrors++;
      this.noteFailure(`message did not decode: ${(error as Error).message}`);
    }
  }

  private receiveFrame(connection: Connection, data: Buffer, isBinary: boolean, receivedAt: number): void {
    if (!isBinary) throw new Error('text message on the binary protocol');

    const type = data[1];
    if (type === FrameType.Hello) {
      const hello = decodeFrame(data).body as HelloBody;
      this.runStartedAt = hello.status.runStartedAt;
    } else if (type === FrameType.StepLosses) {
      const points = decodeFrame(data).body as StepLoss[];
      if (connection.historySeen) this.recordPoints(connection, points, receivedAt);
      connection.historySeen = true;
    } else if (connection.fullDecode) {
      decodeFrame(data);
    }
  }

  private receiveJson(connection: Connection, data: Buffer, isBinary: boolean, receivedAt: number): void {
    if (isBinary) throw new Error('binary message on the naive JSON protocol');
    if (data.length > NAIVE_PARSE_LIMIT) return;

    const message = JSON.parse(data.toString('utf8')) as { type: string; runStartedAt?: number } & StepLoss;
    if (message.type === 'hello') this.runStartedAt = message.runStartedAt ?? null;
    else if (message.type === 'loss') this.recordPoints(connection, [message], receivedAt);
  }

  private recordPoints(connection: Connection, points: readonly StepLoss[], receivedAt: number): void {
    for (const point of points) {
      if (connection.lastStep !== null && point.step > connection.lastStep + 1 && this.measuring) {
        this.missingPoints += point.step - connection.lastStep - 1;
      }
      connection.lastStep = point.step;
      if (this.measuring && this.runStartedAt !== null) this.latency.record(receivedAt - (this.runStartedAt + point.elapsedMs));
    }
  }

  private noteFailure(message: string): void {
    if (this.failureSamples.length < MAX_FAILURE_SAMPLES) this.failureSamples.push(message);
  }
}

function reply(message: ViewerReply): void {
  process.send?.(message);
}

let fleet: ViewerFleet | null = null;

process.on('message', async (command: ViewerCommand) => {
  switch (command.type) {
    case 'connect': {
      fleet = new ViewerFleet(command.protocol);
      const { failures, notStarted } = await fleet.connect(command.url, command.count, command.concurrency, command.deadline);
      reply({ type: 'connected', open: fleet.openCount, failures, notStarted, failureSamples: [...fleet.failures] });
      break;
    }
    case 'measure':
      fleet?.startWindow();
      break;
    case 'report':
      if (fleet) reply({ type: 'report', report: fleet.endWindow() });
      break;
  }
});

// The parent kills this process when it is done; if the parent dies first,
// the IPC channel closes and the sockets must not outlive it.
process.on('disconnect', () => process.exit(0));
