// Per-dimension statistics of latent codes, which pages use for slider
// ranges and random vectors. The trainer and the companion both build latent
// maps with them.

/** Minimum, maximum, mean and standard deviation of each dimension of `count` codes of `dims` values, stored row-major. */
export interface CodeStatistics {
  dims: number;
  count: number;
  codes: Float32Array;
  min: Float32Array;
  max: Float32Array;
  mean: Float32Array;
  std: Float32Array;
}

/** Computes the statistics of each dimension over the codes, in float64 so that large counts do not lose precision. */
export function codeStatistics(codes: Float32Array, count: number, dims: number): CodeStatistics {
  const min = new Float32Array(dims).fill(Infinity);
  const max = new Float32Array(dims).fill(-Infinity);
  const sum = new Float64Array(dims);
  const sumOfSquares = new Float64Array(dims);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dims; d++) {
      const value = codes[i * dims + d];
      min[d] = Math.min(min[d], value);
      max[d] = Math.max(max[d], value);
      sum[d] += value;
      sumOfSquares[d] += value * value;
    }
  }

  const mean = Float32Array.from(sum, (total) => total / count);
  const std = Float32Array.from(sumOfSquares, (total, d) => Math.sqrt(Math.max(0, total / count - mean[d] * mean[d])));
  return { dims, count, codes, min, max, mean, std };
}
