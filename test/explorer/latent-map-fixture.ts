// Builds latent maps for the explorer's unit tests, with statistics computed like the trainer's.

import type { LatentMap } from '../../shared/training';

/** Returns a latent map of `codes` (one array per code) with min, max, mean and population std per dimension. */
export function latentMapOf(codes: number[][], labels: number[] = codes.map(() => 0)): LatentMap {
  const dims = codes[0]?.length ?? 0;
  const count = codes.length;
  const column = (d: number) => codes.map((code) => code[d]);
  const mean = Float32Array.from({ length: dims }, (_, d) => column(d).reduce((sum, value) => sum + value, 0) / count);
  const std = Float32Array.from({ length: dims }, (_, d) =>
    Math.sqrt(column(d).reduce((sum, value) => sum + (value - mean[d]) ** 2, 0) / count),
  );
  return {
    epoch: 1,
    step: 10,
    dims,
    count,
    codes: Float32Array.from(codes.flat()),
    labels: Uint8Array.from(labels),
    min: Float32Array.from({ length: dims }, (_, d) => Math.min(...column(d))),
    max: Float32Array.from({ length: dims }, (_, d) => Math.max(...column(d))),
    mean,
    std,
  };
}
