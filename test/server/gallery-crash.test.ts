// Kills a host process with SIGKILL in the middle of a flood of submissions
// and votes, restarts it on the same state folder, and checks that every
// acknowledged item and vote is still there.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { latent, ViewerClient } from '../helpers/gallery';
import { waitFor } from '../helpers/host';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FLAGS = [
  '--port', '0', '--shapes-count', '400', '--batch-size', '32', '--epochs', '1000',
  '--submit-limit', '100000/1', '--submit-limit-per-ip', '100000/1', '--vote-limit', '100000/1', '--vote-limit-per-ip', '100000/1',
  '--log-format', 'json',
];

let children: ChildProcess[] = [];
let stateDirs: string[] = [];

afterEach(async () => {
  children.forEach((child) => child.kill('SIGKILL'));
  children = [];
  await Promise.all(stateDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  stateDirs = [];
});

/** Starts `server/main.ts` as a child process and resolves with its URL once it listens. */
async function startHostProcess(stateDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...FLAGS, '--state-dir', stateDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the host exited with code ${code} before it listened`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'host listening' && entry.url) resolve(entry.url);
    });
  });
  return { child, url };
}

describe('gallery after SIGKILL', () => {
  it('keeps every acknowledged item and vote', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-crash-'));
    stateDirs.push(stateDir);
    const first = await startHostProcess(stateDir);
    const target = { url: first.url };
    await waitFor('decoder weights', async () => {
      const status = (await (await fetch(new URL('/api/status', first.url))).json()) as { epoch: number };
      return status.epoch >= 1;
    });

    const submitters = await Promise.all(Array.from({ length: 16 }, () => new ViewerClient(target).visit()));
    const voter = await new ViewerClient(target).visit();
    const acknowledgedItems: number[] = [];
    const acknowledgedVotes: number[] = [];
    let running = true;

    const flood = submitters.map(async (client, index) => {
      for (let i = 0; running; i++) {
        try {
          const response = await client.submit(latent(8, index * 10_000 + i));
          if (response.status !== 201) continue;
          const { id } = (await response.json()) as { id: number };
          acknowledgedItems.push(id);
          if ((await voter.vote(id)).status === 200) acknowledgedVotes.push(id);
        } catch {
          // Requests in flight when the host dies fail; they were never acknowledged.
        }
      }
    });

    await waitFor('a few hundred acknowledged items', () => acknowledgedItems.length >= 200);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    running = false;
    await Promise.all(flood);

    const second = await startHostProcess(stateDir);
    const restarted = { url: second.url };
    const voterAgain = new ViewerClient(restarted);
    voterAgain.cookie = voter.cookie;

    const stored = new Set<number>();
    let cursor: string | null = null;
    do {
      const page = (await (await voterAgain.request(`/api/gallery?sort=new&limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json()) as {
        items: { id: number; votes: number }[];
        nextCursor: string | null;
      };
      page.items.forEach((item) => stored.add(item.id));
      cursor = page.nextCursor;
    } while (cursor);

    const lostItems = acknowledgedItems.filter((id) => !stored.has(id));
    expect(lostItems).toEqual([]);
    const voted = new Set(((await (await voterAgain.request('/api/gallery/votes')).json()) as { itemIds: number[] }).itemIds);
    const lostVotes = acknowledgedVotes.filter((id) => !voted.has(id));
    expect(lostVotes).toEqual([]);
    expect(acknowledgedVotes.length).toBeGreaterThan(100);
  }, 120_000);
});
