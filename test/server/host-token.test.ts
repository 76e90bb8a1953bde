// The host token as `npm start` handles it: created on the first start in
// the state folder, kept across restarts, printed once per start as a link
// on the streamer's terminal and never written to the log. The host runs in
// a pseudo-terminal from util-linux's `script` (Debian's bsdutils package),
// because the link is only printed when the output is a terminal.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HostProcess } from '../helpers/host-process';
import { waitFor } from '../helpers/host';

const SCRIPT = '/usr/bin/script';
const RUN_FLAGS = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '3'];
const LINK = /http:\/\/127\.0\.0\.1:\d+\/host#token=([A-Za-z0-9_-]+)/g;

let stateDir: string;

beforeAll(async () => {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing; install it (apt-get install bsdutils on Debian), which these tests use for a terminal.`);
  stateDir = await mkdtemp(join(tmpdir(), 'latentcast-token-'));
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** Runs the host on a terminal until it trains, stops it with `q` and returns everything it wrote. */
async function startOnTerminal(): Promise<string> {
  const command = [process.execPath, '--import', 'tsx', 'server/main.ts', '--port', '0', '--host', '127.0.0.1', '--state-dir', stateDir, ...RUN_FLAGS].join(' ');
  const child = spawn(SCRIPT, ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  try {
    await waitFor('the host to train', () => output.includes('state: training'), 60_000);
    child.stdin.write('q');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
  return output;
}

describe('host token on the terminal', () => {
  let first: string;
  let second: string;

  beforeAll(async () => {
    first = await startOnTerminal();
    second = await startOnTerminal();
  }, 180_000);

  it('is printed once as a link', async () => {
    const token = (await readFile(join(stateDir, 'host-token'), 'utf8')).trim();
    const links = [...first.matchAll(LINK)];

    expect(links).toHaveLength(1);
    expect(links[0][1]).toBe(token);
    expect(first).toContain('Moderation page (keep this link private, it carries the host token):');
  });

  it('appears in no log line', async () => {
    const token = (await readFile(join(stateDir, 'host-token'), 'utf8')).trim();
    expect(first.split(token)).toHaveLength(2);
    expect(first).toContain('moderation link with the host token printed on the terminal');
  });

  it('stays the same after a restart', async () => {
    const token = (await readFile(join(stateDir, 'host-token'), 'utf8')).trim();
    const links = [...second.matchAll(LINK)];

    expect(links).toHaveLength(1);
    expect(links[0][1]).toBe(token);
    expect(second).not.toContain('created a new host token');
    expect(first).toContain('created a new host token');
  });
});

describe('host token without a terminal', () => {
  it('names the token file and logs no token', async () => {
    const host = new HostProcess(stateDir, RUN_FLAGS);
    try {
      await host.listening();
      const record = await host.waitForLog('the moderation page line', (line) => line.msg.startsWith('moderation page'));
      const token = (await readFile(join(stateDir, 'host-token'), 'utf8')).trim();

      expect(record.tokenFile).toBe(join(stateDir, 'host-token'));
      expect(host.logs.filter((line) => JSON.stringify(line).includes(token))).toEqual([]);
    } finally {
      host.kill('SIGTERM');
      await host.dispose();
    }
  });
});
