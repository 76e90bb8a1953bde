// The reconstructions of the probe images that the host keeps for the run,
// so that any viewer, including one who joins late, can scrub back from the
// latest reconstructions to the untrained model's at step 0.

import type { ProbeImages, ReconstructionAddedBody, ReconstructionHistoryBody, ReconstructionOutputs } from '../../shared/protocol/frames';
import { ThinnedHistory } from './thinned-history';

// NOTE: the history lives in the host's memory only. A host that resumes a
// checkpoint starts it again at the resumed step, so scrubbing reaches back to there.

/**
 * Maximum number of reconstruction sets kept per run. A set is one 784-byte
 * image per probe. So 64 sets take 401 KB with the default 8 probes and
 * 803 KB with the maximum of 16. That is the cost on the host, in each page
 * and in the snapshot frame a joining viewer receives, which is encoded once
 * per change and shared by every joiner.
 */
export const RECONSTRUCTION_HISTORY_CAPACITY = 64;

export class ReconstructionHistory {
  /** The run's probe images; null until the first reconstructions of a run arrive. */
  probes: ProbeImages | null = null;
  /** Incremented on every change, so encoded snapshots can be cached. */
  version = 0;

  private readonly history: ThinnedHistory<ReconstructionOutputs>;

  constructor(readonly capacity = RECONSTRUCTION_HISTORY_CAPACITY) {
    this.history = new ThinnedHistory(capacity);
  }

  /** Number of reconstruction sets kept. */
  get length(): number {
    return this.history.length;
  }

  /** Forgets the probes and every set, for a new run whose probes are not known yet. */
  clear(): void {
    this.probes = null;
    this.history.clear();
    this.version++;
  }

  /** Starts the history of a new run with its probe images. */
  reset(probes: ProbeImages): void {
    this.probes = probes;
    this.history.clear();
    this.version++;
  }

  /** Records one set of outputs; returns false when it does not fit the probes or is not after the newest set. */
  add(outputs: ReconstructionOutputs): boolean {
    if (this.probes === null || outputs.count !== this.probes.count) return false;
    if (!this.history.add(outputs)) return false;
    this.version++;
    return true;
  }

  /** Returns the body of the frame that replaces a page's history, or null before the run's probes are known. */
  historyBody(): ReconstructionHistoryBody | null {
    if (this.probes === null) return null;
    return { capacity: this.capacity, probes: this.probes, entries: this.history.entries() };
  }

  /** Returns the body of the frame for the newest set, or null while there is none. */
  addedBody(): ReconstructionAddedBody | null {
    const entries = this.history.entries();
    const entry = entries.at(-1);
    if (entry === undefined) return null;
    return { entry, retainedSteps: entries.map((kept) => kept.step) };
  }
}
