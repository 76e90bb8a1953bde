// A RunControl test double that records every call and changes only its own
// copy of the configuration, for tests of the parts that steer a run.

import type { LiveSettings, RunControl } from '../../server/run/run-control';
import type { RunConfig } from '../../shared/training';

/** One call to the double, in call order. */
export type RunControlCall =
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'update'; settings: Partial<LiveSettings>; reason: string }
  | { kind: 'restart'; changes: Partial<RunConfig>; reason: string };

export class RecordingRunControl implements RunControl {
  readonly calls: RunControlCall[] = [];
  config: RunConfig;
  /**
   * Decides how `restart` ends; the default resolves at once. Replace it to
   * reject with a RunStartError or to keep the restart pending.
   */
  restartOutcome: (changes: Partial<RunConfig>) => Promise<void> = () => Promise.resolve();

  constructor(config: RunConfig) {
    this.config = { ...config };
  }

  pause(): void {
    this.calls.push({ kind: 'pause' });
  }

  resume(): void {
    this.calls.push({ kind: 'resume' });
  }

  update(settings: Partial<LiveSettings>, reason: string): void {
    this.calls.push({ kind: 'update', settings, reason });
    this.config = { ...this.config, ...settings };
  }

  async restart(changes: Partial<RunConfig>, reason: string): Promise<void> {
    this.calls.push({ kind: 'restart', changes, reason });
    await this.restartOutcome(changes);
    this.config = { ...this.config, ...changes };
  }
}
