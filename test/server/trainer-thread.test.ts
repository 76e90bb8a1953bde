import { describe, expect, it } from 'vitest';

import type { TrainingState } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { TrainerStartError, TrainerThread } from '../../server/trainer/trainer-thread';
import { waitFor } from '../helpers/host';
import { longWorkerRun } from '../helpers/run-config';

const config = longWorkerRun();

function record(trainer: TrainerThread) {
  const events: WorkerEvent[] = [];
  trainer.on('event', (event) => events.push(event));
  const lastState = (): TrainingState | undefined =>
    events.flatMap((event) => (event.type === 'state' ? [event.state] : [])).at(-1);
  const lastStep = (): number => events.flatMap((event) => (event.type === 'steps' ? event.points : [])).at(-1)?.step ?? 0;
  return { events, lastState, lastStep };
}

describe('training worker thread', () => {
  it('pauses between steps and resumes where it stopped', async () => {
    const trainer = new TrainerThread({ config, reconstructionEvery: 50, resume: null });
    const seen = record(trainer);
    await trainer.ready;
    await waitFor('a few training steps', () => seen.lastStep() > 20);

    trainer.pause();
    await waitFor('the paused state', () => seen.lastState() === 'paused');
    const pausedAt = seen.lastStep();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.lastStep()).toBe(pausedAt);

    trainer.resume();
    await waitFor('training to go on after resume', () => seen.lastStep() > pausedAt);
    expect(seen.lastState()).toBe('training');

    await trainer.stop();
    expect(seen.lastState()).toBe('stopped');
  });

  it('reports a dataset that cannot load as a start error', async () => {
    const trainer = new TrainerThread({ config: { ...config, dataset: '/nonexistent/folder' }, reconstructionEvery: 50, resume: null });
    await expect(trainer.ready).rejects.toThrow(TrainerStartError);
    await trainer.stop();
  });
});
