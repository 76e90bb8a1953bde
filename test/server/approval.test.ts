import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApprovalSetting, MODERATION_FILE } from '../../server/gallery/approval';

const log = pino({ level: 'silent' });
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latentcast-approval-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('approve-before-public setting', () => {
  it('is off without a file', async () => {
    expect((await ApprovalSetting.load(dir, log)).enabled).toBe(false);
  });

  it('survives a restart', async () => {
    await (await ApprovalSetting.load(dir, log)).set(true);
    expect((await ApprovalSetting.load(dir, log)).enabled).toBe(true);
  });

  it('turns on for an unreadable file', async () => {
    await writeFile(join(dir, MODERATION_FILE), '{"approveBeforePublic": ');
    expect((await ApprovalSetting.load(dir, log)).enabled).toBe(true);
  });
});
