// TensorFlow.js on the host's main thread, for decoding gallery submissions
// and writing model exports. The training worker has its own instance: a
// worker thread loads its own copy of every module.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import type { Logger } from '../log';

/** The main thread's TensorFlow.js and the backend it runs on. */
export interface MainThreadTensorFlow {
  tf: typeof tf;
  /** `tensorflow` only in a companion host, whose script chose tfjs-node. */
  backend: 'wasm' | 'cpu' | 'tensorflow';
  /** Reason this backend runs, such as "the WASM backend started". */
  reason: string;
}

let loading: Promise<MainThreadTensorFlow> | null = null;

/**
 * Starts the WASM backend, or the JavaScript CPU backend when WASM fails to
 * start, and logs which one runs. Later calls return the first call's result.
 */
export function mainThreadTensorFlow(log: Logger): Promise<MainThreadTensorFlow> {
  loading ??= selectBackend(log);
  return loading;
}

/**
 * Keeps the backend that is active now, for a host that runs inside the
 * streamer's training script (startCompanion): the main thread's TensorFlow.js
 * is the script's, and switching its backend would move the script's training.
 */
export function useActiveBackend(log: Logger): Promise<MainThreadTensorFlow> {
  const name = tf.getBackend();
  const backend = name === 'tensorflow' || name === 'wasm' ? name : 'cpu';
  const loaded: MainThreadTensorFlow = { tf, backend, reason: `the training script runs TensorFlow.js on ${name}` };
  log.info({ backend, reason: loaded.reason }, `main-thread TensorFlow.js backend for gallery decoding and exports: ${name}`);
  loading = Promise.resolve(loaded);
  return loading;
}

async function selectBackend(log: Logger): Promise<MainThreadTensorFlow> {
  const wasmFailure = await activate('wasm');
  const loaded: MainThreadTensorFlow =
    wasmFailure === null
      ? { tf, backend: 'wasm', reason: 'the WASM backend started' }
      : { tf, backend: 'cpu', reason: `the WASM backend did not start (${wasmFailure})` };
  if (loaded.backend === 'cpu') await activate('cpu');
  log.info({ backend: loaded.backend, reason: loaded.reason }, `main-thread TensorFlow.js backend for gallery decoding and exports: ${loaded.backend}`);
  return loaded;
}

/** Activates the backend; returns why it failed, or null. */
async function activate(name: 'wasm' | 'cpu'): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (ok && tf.getBackend() === name) return null;
    return 'setBackend returned false';
  } catch (error) {
    return String((error as Error).message ?? error).split('\n')[0];
  }
}
