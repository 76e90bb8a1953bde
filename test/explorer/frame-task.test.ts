import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FrameTask } from '../../client/src/explorer/frame-task';

/** Animation frame callbacks waiting to run, as a browser keeps them. */
let frames: Map<number, FrameRequestCallback>;
let nextFrameId: number;

/** Runs every callback requested so far, as one animation frame would. */
function runFrame(): void {
  const callbacks = [...frames.values()];
  frames.clear();
  for (const callback of callbacks) callback(performance.now());
}

beforeEach(() => {
  frames = new Map();
  nextFrameId = 1;
  globalThis.requestAnimationFrame = (callback) => {
    const id = nextFrameId++;
    frames.set(id, callback);
    return id;
  };
  globalThis.cancelAnimationFrame = (id) => void frames.delete(id);
});

afterEach(() => {
  Reflect.deleteProperty(globalThis, 'requestAnimationFrame');
  Reflect.deleteProperty(globalThis, 'cancelAnimationFrame');
});

describe('FrameTask', () => {
  it('folds requests within a frame into one run', async () => {
    let runs = 0;
    const task = new FrameTask(async () => void runs++);
    task.request();
    task.request();
    task.request();
    expect(runs).toBe(0);

    runFrame();
    await Promise.resolve();
    expect(runs).toBe(1);
  });

  it('runs once more after requests during a run', async () => {
    let runs = 0;
    let finish: () => void = () => {};
    const task = new FrameTask(() => {
      runs++;
      return new Promise<void>((resolve) => (finish = resolve));
    });

    task.request();
    runFrame();
    expect(runs).toBe(1);

    // Two requests while the first run is under way.
    task.request();
    runFrame();
    task.request();
    runFrame();
    expect(runs).toBe(1);

    finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    runFrame();
    expect(runs).toBe(2);
  });

  it('drops a cancelled request', () => {
    let runs = 0;
    const task = new FrameTask(async () => void runs++);
    task.request();
    task.cancel();
    runFrame();
    expect(runs).toBe(0);
  });
});
