// Starts real hosts on loopback for tests, with a throwaway state folder.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino from 'pino';
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';

import { decodeFrame } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import type { HubOptions } from '../../server/broadcast/hub';
import { parseHostOptions } from '../../server/cli/options';
import type { HostOptions } from '../../server/cli/options';
import { startHost } from '../../server/host';
import type { Host } from '../../server/host';

/** Flags that keep a test run small: a few hundred shapes, short epochs. */
export const SMALL_RUN = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '3', '--recon-every', '5'];

export interface TestHost extends Host {
  stateDir: string;
  /** Closes the host and removes its state folder. */
  dispose(): Promise<void>;
}

export async function startTestHost(flags: string[] = SMALL_RUN, hubOptions: Partial<HubOptions> = {}): Promise<TestHost> {
  const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-test-'));
  const options = parseHostOptions(['--port', '0', '--state-dir', stateDir, ...flags], {}) as HostOptions;
  const host = await startHost(options, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), hubOptions);
  return {
    ...host,
    stateDir,
    dispose: async () => {
      await host.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A WebSocket viewer that decodes and keeps every frame it receives. */
export class TestViewer {
  readonly frames: Frame[] = [];
  readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  /**
   * @param query appended to `/ws`, such as `?topics=loss`
   * @param options passed to the ws client, such as `{ autoPong: false }` or headers
   */
  constructor(host: Host, query = '', options: ClientOptions = {}) {
    this.socket = new WebSocket(`${host.url.replace('http', 'ws')}ws${query}`, options);
    this.socket.binaryType = 'arraybuffer';
    this.socket.on('message', (data: ArrayBuffer) => this.frames.push(decodeFrame(data)));
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  open(): Promise<void> {
    return this.opened;
  }

  /** Resolves with the close code and reason once the host closes the socket. */
  closed(): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' });
    return new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  close(): void {
    this.socket.close();
  }
}

/** Polls `condition` every 20 ms until it holds, or fails after `timeout` ms with `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
