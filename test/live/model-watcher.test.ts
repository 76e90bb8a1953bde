// The model-file watcher on a real folder: which saves start a run, and what
// it reports. A recording RunControl replaces the run manager, so that
// each test records exactly the restarts the watcher requests.

import { appendFile, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { RunConfig } from '../../shared/training';
import { publicFailure } from '../../server/live/model-file-status';
import { ModelFileWatcher, RELOAD_REASON } from '../../server/live/model-watcher';
import type { ReloadOutcome } from '../../server/live/model-watcher';
import { RunStartError } from '../../server/run/run-control';
import { waitFor } from '../helpers/host';

/** Records restarts and settles each with the next queued behaviour, or resolves. */
class RecordingControl {
  readonly calls: { changes: Partial<RunConfig>; reason: string }[] = [];
  readonly behaviours: (() => Promise<void>)[] = [];

  async restart(changes: Partial<RunConfig>, reason: string): Promise<void> {
    this.calls.push({ changes, reason });
    const behaviour = this.behaviours.shift();
    if (behaviour) await behaviour();
  }
}

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let folder: string;
let file: string;
let control: RecordingControl;
let outcomes: ReloadOutcome[];
let watcher: ModelFileWatcher;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'latentcast-watcher-'));
  file = join(folder, 'model.ts');
  await writeFile(file, 'export default 1;\n');
  control = new RecordingControl();
  outcomes = [];
  watcher = new ModelFileWatcher(file, control, log, (outcome) => outcomes.push(outcome));
  await watcher.start();
});

afterEach(async () => {
  await watcher.close();
  await rm(folder, { recursive: true, force: true });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits long enough for the debounce, the settle checks and a reload to have happened, had one been due. */
const QUIET_MS = 1500;

describe('model file watcher', () => {
  it('starts one run for a save', async () => {
    await writeFile(file, 'export default 2;\n');
    await waitFor('a restart', () => control.calls.length === 1);
    expect(control.calls[0]).toEqual({ changes: { model: 'file', modelFile: file }, reason: RELOAD_REASON });
    await waitFor('the success report', () => outcomes.length === 1);
    expect(outcomes).toEqual([null]);
  });

  it('debounces quick saves into one run', async () => {
    for (let version = 2; version <= 6; version++) {
      await writeFile(file, `export default ${version};\n`);
      await sleep(50);
    }
    await waitFor('a restart', () => control.calls.length === 1);
    await sleep(QUIET_MS);
    expect(control.calls).toHaveLength(1);
  });

  it('ignores a save without changes', async () => {
    await writeFile(file, 'export default 1;\n');
    await sleep(QUIET_MS);
    expect(control.calls).toHaveLength(0);
  });

  it('follows a save that renames a new file over the old one', async () => {
    const temporary = join(folder, '.model.ts.swp');
    await writeFile(temporary, 'export default 3;\n');
    await rename(temporary, file);
    await waitFor('a restart', () => control.calls.length === 1);
    await sleep(QUIET_MS);
    expect(control.calls).toHaveLength(1);
  });

  it('ignores other files in the folder', async () => {
    await writeFile(join(folder, 'notes.md'), 'shapes first, then MNIST\n');
    await sleep(QUIET_MS);
    expect(control.calls).toHaveLength(0);
  });

  it('reports a failed run with its location', async () => {
    const location = { file, line: 3, column: 7 };
    control.behaviours.push(async () => {
      throw new RunStartError('syntax error in model.ts: Unexpected ";"', location);
    });
    await writeFile(file, 'export default ;\n');
    await waitFor('the failure report', () => outcomes.length === 1);
    expect(outcomes[0]).toEqual({ message: 'syntax error in model.ts: Unexpected ";"', location });
  });

  it('recovers when a fixed file loads', async () => {
    control.behaviours.push(async () => {
      throw new RunStartError('model.ts threw Error while building the model: not yet', { file, line: 2 });
    });
    await writeFile(file, 'export default ;\n');
    await waitFor('the failure report', () => outcomes.length === 1);

    await writeFile(file, 'export default 4;\n');
    await waitFor('the recovery report', () => outcomes.length === 2);
    expect(outcomes[1]).toBeNull();
    expect(control.calls).toHaveLength(2);
  });

  it('retries a file that changed while it loaded instead of reporting', async () => {
    // A slow writer finishes the file while the first, half-written version loads.
    control.behaviours.push(async () => {
      await appendFile(file, ' 5;\n');
      throw new RunStartError('syntax error in model.ts: Unexpected end of file', { file, line: 1, column: 16 });
    });
    await writeFile(file, 'export default');
    await waitFor('a second restart', () => control.calls.length === 2, 10_000);
    await waitFor('the success report', () => outcomes.length === 1);
    expect(outcomes).toEqual([null]);
  });

  it('reports a deleted file', async () => {
    await unlink(file);
    await waitFor('the missing-file report', () => outcomes.length === 1, 10_000);
    expect(outcomes[0]?.message).toMatch(/model\.ts was deleted or renamed; the current model keeps training/);
    expect(control.calls).toHaveLength(0);
  });

  it('does not reload after close', async () => {
    await watcher.close();
    await writeFile(file, 'export default 7;\n');
    await sleep(QUIET_MS);
    expect(control.calls).toHaveLength(0);
  });
});

describe('public model file failure', () => {
  it('cuts the folders from message and location', () => {
    const outcome = { message: `model.ts imports ${folder}/helpers.ts, which cannot be found`, location: { file, line: 1, column: 1 } };
    const failure = publicFailure(outcome, file, true);
    expect(failure.message).toBe('model.ts imports helpers.ts, which cannot be found');
    expect(failure.location).toEqual({ file: 'model.ts', line: 1, column: 1 });
    expect(failure.showOnOverlay).toBe(true);
  });
});
