import { createRequire } from 'node:module';

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { BackendError, selectBackend } from '../../server/trainer/backend';

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

// These machines cannot download libtensorflow, so tfjs-node is absent and
// `auto` must fall back to WASM and give the reason.
describe.skipIf(tfjsNodeInstalled())('backend selection without tfjs-node', () => {
  it('picks WASM for auto and names the missing package as the reason', async () => {
    const backend = await selectBackend('auto');
    expect(backend.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(backend.reason).toMatch(/@tensorflow\/tfjs-node is not available \(the optional package is not installed\)/);
  });

  it('rejects --backend node with a message that names the fix', async () => {
    await expect(selectBackend('node')).rejects.toThrow(BackendError);
    await expect(selectBackend('node')).rejects.toThrow(/use --backend auto or wasm/);
  });
});

describe('backend selection', () => {
  it('runs the plain CPU backend on request', async () => {
    expect(await selectBackend('cpu')).toEqual({ name: 'cpu', reason: 'requested with --backend cpu' });
    expect(tf.getBackend()).toBe('cpu');
  });
});
