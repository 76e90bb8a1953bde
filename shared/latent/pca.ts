// Principal component analysis of latent codes, for the 2D latent map of a
// latent space with more than two dimensions. The map has at most 1,000
// codes, so power iteration on the data is fast enough and needs no linear
// algebra package.

/** The leading principal components of a set of codes. */
export interface PrincipalComponents {
  /** Latent vector size. */
  dims: number;
  /** Mean of each dimension over the codes; projection subtracts it first. */
  mean: Float64Array;
  /** Unit-length directions, largest variance first; at most `dims` of them. */
  components: Float64Array[];
  /** Variance of the codes along each component. */
  variances: number[];
  /** Sum of the variances of all dimensions, so that variances[i] / totalVariance is the fraction a component explains. */
  totalVariance: number;
}

export interface PcaOptions {
  /** Number of components to find, at least 1; default 2. */
  components?: number;
  /** Most power iterations per component; default 500. */
  maxIterations?: number;
  /** Iteration stops once the direction moves less than this (Euclidean norm of the change); default 1e-10. */
  tolerance?: number;
}

/**
 * Finds the leading principal components of `count` codes of `dims` values
 * (row-major) by power iteration on the covariance, applied as Xᵀ(Xv)/n so
 * the d×d matrix is never built. Each later component is kept orthogonal to
 * the earlier ones (deflation by Gram–Schmidt) in every iteration.
 *
 * Each component is signed so that its largest-magnitude entry is positive,
 * so the map does not mirror itself between two epochs for no reason.
 *
 * NOTE: when two variances are almost equal, power iteration converges
 * slowly and may stop at maxIterations with a mix of the two directions. The
 * map then shows a rotated projection with the same spread.
 */
export function principalComponents(codes: ArrayLike<number>, count: number, dims: number, options: PcaOptions = {}): PrincipalComponents {
  if (codes.length !== count * dims) throw new RangeError(`${count} codes of ${dims} values need ${count * dims} numbers, got ${codes.length}`);
  if (count === 0 || dims === 0) throw new RangeError('principal components need at least one code of at least one value');
  const wanted = Math.min(options.components ?? 2, dims);
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-10;

  const centred = centre(codes, count, dims);
  const { mean, values } = centred;
  let totalVariance = 0;
  for (let i = 0; i < values.length; i++) totalVariance += values[i] * values[i];
  totalVariance /= count;

  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let k = 0; k < wanted; k++) {
    let direction = startDirection(values, count, dims, components);
    let variance = 0;
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      const next = covarianceTimes(values, count, dims, direction);
      orthogonalise(next, components);
      const length = norm(next);
      // Zero variance left in every remaining direction: any orthogonal unit vector is a component.
      if (length < 1e-300) {
        variance = 0;
        break;
      }
      scale(next, 1 / length);
      variance = length;
      const change = distance(next, direction);
      direction = next;
      if (change < tolerance) break;
    }
    components.push(signed(direction));
    variances.push(variance);
  }
  return { dims, mean, components, variances, totalVariance };
}

/** Projects `count` codes onto the components; returns `count` rows of one value per component. */
export function projectCodes(codes: ArrayLike<number>, count: number, pca: PrincipalComponents): Float32Array {
  const k = pca.components.length;
  const projected = new Float32Array(count * k);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < k; c++) {
      const component = pca.components[c];
      let sum = 0;
      for (let d = 0; d < pca.dims; d++) sum += (codes[i * pca.dims + d] - pca.mean[d]) * component[d];
      projected[i * k + c] = sum;
    }
  }
  return projected;
}

/** Projects one vector onto the components. */
export function projectVector(vector: ArrayLike<number>, pca: PrincipalComponents): number[] {
  return Array.from(projectCodes(vector, 1, pca));
}

function centre(codes: ArrayLike<number>, count: number, dims: number): { mean: Float64Array; values: Float64Array } {
  const mean = new Float64Array(dims);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dims; d++) mean[d] += codes[i * dims + d];
  }
  for (let d = 0; d < dims; d++) mean[d] /= count;

  const values = new Float64Array(count * dims);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dims; d++) values[i * dims + d] = codes[i * dims + d] - mean[d];
  }
  return { mean, values };
}

/** Returns Xᵀ(Xv)/n for the centred codes X. */
function covarianceTimes(values: Float64Array, count: number, dims: number, vector: Float64Array): Float64Array {
  const result = new Float64Array(dims);
  for (let i = 0; i < count; i++) {
    const row = i * dims;
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += values[row + d] * vector[d];
    for (let d = 0; d < dims; d++) result[d] += values[row + d] * dot;
  }
  scale(result, 1 / count);
  return result;
}

// A fixed start vector could be orthogonal to the component sought, and
// power iteration would then never find it. The centred code of largest norm
// leans towards the directions of large variance, so it starts there.
function startDirection(values: Float64Array, count: number, dims: number, found: Float64Array[]): Float64Array {
  let best = new Float64Array(dims);
  let bestNorm = 0;
  for (let i = 0; i < count; i++) {
    const row = values.slice(i * dims, (i + 1) * dims);
    orthogonalise(row, found);
    const length = norm(row);
    if (length > bestNorm) {
      best = row;
      bestNorm = length;
    }
  }
  if (bestNorm > 0) return scale(best, 1 / bestNorm);

  // Every code lies in the span of the components found: take any direction outside it.
  for (let d = 0; d < dims; d++) {
    const axis = new Float64Array(dims);
    axis[d] = 1;
    orthogonalise(axis, found);
    const length = norm(axis);
    if (length > 1e-6) return scale(axis, 1 / length);
  }
  return best;
}

function orthogonalise(vector: Float64Array, basis: readonly Float64Array[]): void {
  for (const unit of basis) {
    let dot = 0;
    for (let d = 0; d < vector.length; d++) dot += vector[d] * unit[d];
    for (let d = 0; d < vector.length; d++) vector[d] -= dot * unit[d];
  }
}

function signed(vector: Float64Array): Float64Array {
  let largest = 0;
  for (let d = 1; d < vector.length; d++) {
    if (Math.abs(vector[d]) > Math.abs(vector[largest])) largest = d;
  }
  return vector[largest] < 0 ? scale(vector, -1) : vector;
}

function norm(vector: Float64Array): number {
  let sum = 0;
  for (let d = 0; d < vector.length; d++) sum += vector[d] * vector[d];
  return Math.sqrt(sum);
}

function distance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += (a[d] - b[d]) ** 2;
  return Math.sqrt(sum);
}

function scale(vector: Float64Array, factor: number): Float64Array {
  for (let d = 0; d < vector.length; d++) vector[d] *= factor;
  return vector;
}
