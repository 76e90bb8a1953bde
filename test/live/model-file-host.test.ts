// The model file on a real host: the first start with a broken file, and
// saves while the host trains. A broken save keeps the previous run training
// and puts the error with its line in the host status; a fixed save recovers.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HostStatus } from '../../shared/training';
import { TrainerStartError } from '../../server/trainer/trainer-thread';
import { startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

const RUN_FLAGS = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '1000', '--recon-every', '5', '--latent', '4'];

/** Returns the source of a dense model with `hidden` units around the latent; its line 4 creates the encoder's last layer. */
function modelSource(hidden: number, latentUnits = 'config.latent'): string {
  return `export default function model(tf, config) {
  const encoder = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [784], units: ${hidden}, activation: 'relu' }),
    tf.layers.dense({ units: ${latentUnits} }),
  ] });
  const decoder = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [config.latent], units: ${hidden}, activation: 'relu' }),
    tf.layers.dense({ units: 784, activation: 'sigmoid' }),
  ] });
  return { encoder, decoder };
}
`;
}

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

describe('saving the model file while the host trains', () => {
  let host: TestHost;
  let file: string;

  async function status(): Promise<HostStatus> {
    return (await fetch(new URL('/api/status', host.url))).json() as Promise<HostStatus>;
  }

  /** Saves `source` and waits until the host either reports a model file error or runs a new run. */
  async function save(source: string, until: (status: HostStatus) => boolean, what: string): Promise<HostStatus> {
    await writeFile(file, source);
    let latest = await status();
    await waitFor(what, async () => until((latest = await status())), 90_000);
    return latest;
  }

  beforeAll(async () => {
    file = join(folder, 'live-model.mjs');
    await writeFile(file, modelSource(16));
    // The default loss, binary cross-entropy, clips the output, which must keep a NaN output NaN.
    host = await startTestHost([...RUN_FLAGS, '--model-file', file]);
    await waitFor('the first run to train', async () => (await status()).step > 0);
  }, 120_000);

  afterAll(async () => {
    await host?.dispose();
  });

  it('trains the file from the start', async () => {
    expect((await status()).layerSizes).toEqual([784, 16, 4, 16, 784]);
    expect((await status()).modelFileError).toBeNull();
  });

  it('starts a new run with a changed file', async () => {
    const before = await status();
    const after = await save(modelSource(24), (latest) => latest.runId !== before.runId && latest.layerSizes !== null, 'the new run');
    expect(after.layerSizes).toEqual([784, 24, 4, 24, 784]);
    expect(after.runReason).toBe('model file saved');
  }, 120_000);

  const failures = [
    { kind: 'syntax error', source: modelSource(24).replace('units: config.latent', 'units: config.latent,,'), message: /^syntax error in live-model\.mjs: /, line: 4 },
    { kind: 'exception', source: modelSource(24).replace('  return { encoder, decoder };', "  throw new Error('decoder unfinished');"), message: /threw Error while building the model: decoder unfinished/, line: 10 },
    { kind: 'wrong shapes', source: modelSource(24, '3'), message: /outputs shape \[3\], but the latent size is 4/, line: 4 },
    {
      kind: 'NaN on the first step',
      source: modelSource(24).replace("units: 784, activation: 'sigmoid'", "units: 784, activation: 'sigmoid', kernelInitializer: tf.initializers.constant({ value: NaN })"),
      message: /not finite/,
      line: 1,
    },
  ];

  it.each(failures)('keeps the old run on $kind', async ({ source, message, line }) => {
    const before = await status();
    const after = await save(source, (latest) => latest.modelFileError !== null, 'the model file error');

    expect(after.modelFileError?.message).toMatch(message);
    expect(after.modelFileError?.location).toMatchObject({ file: 'live-model.mjs', line });
    expect(after.runId).toBe(before.runId);
    await waitFor('the old run to go on training', async () => (await status()).step > after.step);

    // The next case starts from a file that loads again.
    const recovered = await save(modelSource(24 + line), (latest) => latest.modelFileError === null, 'the recovery');
    expect(recovered.runId).not.toBe(before.runId);
  }, 240_000);

  it('debounces quick saves into one run', async () => {
    const before = await status();
    for (const hidden of [30, 31, 32, 33]) {
      await writeFile(file, modelSource(hidden));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor('the new run', async () => (await status()).layerSizes?.[1] === 33, 90_000);

    // One run started since `before`, so `before` is the run just ahead of the new one.
    const after = await status();
    expect(after.earlierRuns[0].runId).toBe(before.runId);
  }, 120_000);
});
