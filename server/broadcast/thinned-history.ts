// A bounded record of a run's snapshots, such as reconstructions or weight
// histograms. It stays evenly spread from the start of the run to now
// however long the run grows, so a viewer can scrub back to step 0.

/** Something recorded at one training step. */
export interface StepEntry {
  step: number;
}

/**
 * Keeps every `stride`-th entry offered, plus the newest one.
 *
 * The stride starts at 1. When the kept entries exceed `capacity - 1`, every
 * second one is dropped (the first entry of the run always stays) and the
 * stride doubles, so the kept entries remain evenly spaced in offers. The
 * newest entry is kept as well until the next offer replaces it, so the
 * history always ends at the latest state. At most `capacity` entries are
 * held at any time.
 */
export class ThinnedHistory<T extends StepEntry> {
  /** Maximum number of entries held, the newest included; at least 3. */
  readonly capacity: number;

  private kept: T[] = [];
  private newest: T | null = null;
  private stride = 1;
  private offers = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 3) throw new RangeError(`history capacity ${capacity} is invalid; pass an integer of at least 3`);
    this.capacity = capacity;
  }

  /** Number of entries held. */
  get length(): number {
    return this.kept.length + (this.newest === null ? 0 : 1);
  }

  /** Step of the newest entry, or null while empty. */
  get lastStep(): number | null {
    return this.newest?.step ?? this.kept.at(-1)?.step ?? null;
  }

  /** Entries held, in ascending step order. */
  entries(): T[] {
    return this.newest === null ? [...this.kept] : [...this.kept, this.newest];
  }

  /** Steps of the entries held, in ascending order. */
  retainedSteps(): number[] {
    return this.entries().map((entry) => entry.step);
  }

  /** Records `entry`, which must be after the newest one; returns false, recording nothing, when it is not. */
  add(entry: T): boolean {
    const lastStep = this.lastStep;
    if (lastStep !== null && entry.step <= lastStep) return false;

    const onStride = this.offers % this.stride === 0;
    this.offers++;
    if (!onStride) {
      this.newest = entry;
      return true;
    }

    this.newest = null;
    this.kept.push(entry);
    if (this.kept.length > this.capacity - 1) this.thin();
    return true;
  }

  /** Forgets every entry, for a new run. */
  clear(): void {
    this.kept = [];
    this.newest = null;
    this.stride = 1;
    this.offers = 0;
  }

  // Entries sit at offers 0, s, 2s, …, so keeping the even positions leaves 0, 2s, 4s, … for the doubled stride.
  // An entry that was just added at an odd position stays on as the newest.
  private thin(): void {
    const added = this.kept[this.kept.length - 1];
    this.kept = this.kept.filter((_, index) => index % 2 === 0);
    this.stride *= 2;
    if (this.kept[this.kept.length - 1] !== added) this.newest = added;
  }
}
