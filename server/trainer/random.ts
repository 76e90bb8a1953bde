// Seeded randomness for the trainer: the same seed gives the same datasets,
// shuffles and initial weights, so a stream can be replayed.

import seedrandom from 'seedrandom';

/** Deterministic random source created by `createRandom`. */
export interface Random {
  /** Uniform number in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Standard normal number (mean 0, standard deviation 1). */
  normal(): number;
  /** Shuffles `array` in place (Fisher–Yates), every order equally likely. */
  shuffle<T>(array: T[] | Uint32Array): void;
}

/**
 * Creates a random source whose whole sequence is fixed by `seed`, and by
 * `stream` when given: each stream name, such as `shuffle:3`, yields its own
 * sequence, so that a resumed run can recreate any of them without replaying the others.
 */
export function createRandom(seed: number, stream?: string): Random {
  if (!Number.isFinite(seed)) {
    throw new RangeError(`seed ${seed} is not a finite number; pass an integer such as 42`);
  }

  // Alea is seedrandom's fast generator, with a period of about 2^116 according
  // to the seedrandom 3.0.5 README. Seeding with the string keeps 1 and 1.5 apart.
  const prng = seedrandom.alea(stream === undefined ? String(seed) : `${seed}/${stream}`);

  // Box–Muller yields normals in pairs, so the second one waits here.
  let spareNormal: number | null = null;

  const next = (): number => prng();

  const int = (maxExclusive: number): number => {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1) {
      throw new RangeError(`int(${maxExclusive}): maxExclusive must be a positive integer`);
    }
    return Math.floor(prng() * maxExclusive);
  };

  const normal = (): number => {
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }

    // 1 - u lies in (0, 1], which keeps log() finite.
    const radius = Math.sqrt(-2 * Math.log(1 - prng()));
    const angle = 2 * Math.PI * prng();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  const shuffle = <T>(array: T[] | Uint32Array): void => {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(prng() * (i + 1));
      const swapped = array[i];
      array[i] = array[j];
      array[j] = swapped;
    }
  };

  return { next, int, normal, shuffle };
}

/** Returns a seed for TensorFlow.js random ops, fixed by `seed` and the stream name. */
export function derivedSeed(seed: number, stream: string): number {
  return createRandom(seed, stream).int(2 ** 31 - 1);
}
