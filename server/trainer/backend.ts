// Chooses the TensorFlow.js backend the trainer runs on, and reports the reason.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import type { BackendChoice, BackendInfo } from '../../shared/training';
import { registerWasmKernelShims } from './wasm-kernels';

/** Raised when the requested backend cannot run here. The message names the fix. */
export class BackendError extends Error {
  override name = 'BackendError';
}

// A variable, so that TypeScript does not require the optional package's types.
const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * Activates the backend for `choice`. `auto` prefers native TensorFlow through
 * tfjs-node, then the embedded WASM backend, then the plain JavaScript CPU
 * backend, and the returned reason names what was missing on the way down.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendInfo> {
  if (choice === 'node') {
    const failure = await loadTfjsNode();
    if (failure) {
      throw new BackendError(
        `--backend node needs ${TFJS_NODE}, which did not load (${failure}). ` +
          'Its install downloads libtensorflow and fails without that network access; use --backend auto or wasm instead.',
      );
    }
    return { name: 'tensorflow', reason: 'requested with --backend node' };
  }

  if (choice === 'wasm') {
    if (await activate('wasm')) return { name: 'wasm', reason: 'requested with --backend wasm' };
    throw new BackendError('--backend wasm could not start the WASM backend; use --backend cpu instead.');
  }

  if (choice === 'cpu') {
    await activate('cpu');
    return { name: 'cpu', reason: 'requested with --backend cpu' };
  }

  const nodeFailure = await loadTfjsNode();
  if (!nodeFailure) return { name: 'tensorflow', reason: `${TFJS_NODE} is installed, so training runs on native TensorFlow` };

  const why = `${TFJS_NODE} is not available (${nodeFailure})`;
  if (await activate('wasm')) return { name: 'wasm', reason: `${why}, so training runs on the embedded WASM backend` };

  await activate('cpu');
  return { name: 'cpu', reason: `${why} and the WASM backend did not start, so training runs on the slower CPU backend` };
}

/** Loads tfjs-node and activates it; returns why it failed, or null. */
async function loadTfjsNode(): Promise<string | null> {
  try {
    await import(/* @vite-ignore */ TFJS_NODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ERR_MODULE_NOT_FOUND' ? 'the optional package is not installed' : firstLine(error);
  }
  return (await activate('tensorflow')) ? null : 'its backend did not initialise';
}

/** Switches to the plain JavaScript CPU backend, which has every kernel TensorFlow.js defines. */
export async function activateCpuBackend(): Promise<void> {
  if (!(await activate('cpu'))) throw new BackendError('the CPU backend of TensorFlow.js did not start; reinstall @tensorflow/tfjs (npm install).');
}

async function activate(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (ok && name === 'wasm') registerWasmKernelShims();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0];
}
