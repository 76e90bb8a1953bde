// The model file on a real host: the first start with a broken file.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TrainerStartError } from '../../server/trainer/trainer-thread';
import { startTestHost } from '../helpers/host';

const RUN_FLAGS = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '1000', '--recon-every', '5', '--latent', '4'];

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'latentcast-model-host-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('first start with a broken model file', () => {
  it('rejects the host start with the location', async () => {
    const file = join(folder, 'broken-start.mjs');
    await writeFile(file, 'export default function model(tf, config) {\n  return ;;\n  const = 1;\n}\n');
    const error = await startTestHost([...RUN_FLAGS, '--model-file', file]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TrainerStartError);
    expect((error as TrainerStartError).message).toMatch(/^syntax error in broken-start\.mjs: /);
    expect((error as TrainerStartError).location).toMatchObject({ file, line: 3 });
  });

  it('exits npm start with code 1 and the location', async () => {
    const file = join(folder, 'broken-cli.ts');
    await writeFile(file, "export default function model(tf: unknown) {\n  throw new Error('layers come later');\n}\n");
    const main = fileURLToPath(new URL('../../server/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...RUN_FLAGS, '--port', '0', '--state-dir', join(folder, 'state'), '--model-file', file], {
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(1);
    expect(output).toContain('broken-cli.ts threw Error while building the model: layers come later (broken-cli.ts:2)');
  });
});
