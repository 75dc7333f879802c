/**
 * Gram matrix XᵀX of a sparse matrix X (users × items in CSR), as a dense
 * row-major nCols × nCols Float64Array:
 *   (XᵀX)[i][j] = Σ_u X[u][i] · X[u][j],
 * a sum over rows of X of the outer product of each row with itself, so the
 * cost is Σ_u nnz(u)² / 2 (one triangle, then mirrored), never nCols² · nRows.
 *
 * Computed one output row i at a time, from the rows u that have column i
 * (X's CSC form): every write lands in the same output row, which stays in
 * cache, whereas scattering each user's outer product would touch the whole
 * nCols² matrix at random.
 */
import type { CsrMatrix } from '../../data/csr.js';
import { mirrorLowerToUpper } from './panel-kernels.js';
import { runToCompletion, type BlockSteps } from './steps.js';

/** Output rows between two progress steps. */
const ROWS_PER_STEP = 256;

/** Allocates the nCols × nCols output, naming the size when it cannot be had. */
export function allocateDenseSquare(n: number, what: string): Float64Array {
  const gib = (n * n * 8) / 2 ** 30;
  try {
    return new Float64Array(n * n);
  } catch (e) {
    throw new RangeError(
      `${what} needs a dense ${n} × ${n} float64 matrix (${gib.toFixed(1)} GiB), which could not be allocated: ${(e as Error).message}`,
    );
  }
}

/**
 * Writes XᵀX into `out` (nCols × nCols, overwritten), yielding every few
 * hundred rows ('gram' phase, counted in columns of X).
 */
export function* gramSteps(x: CsrMatrix, out: Float64Array): BlockSteps {
  const n = x.nCols;
  if (out.length !== n * n) throw new RangeError(`Gram output must hold ${n} × ${n} values, got ${out.length}`);
  out.fill(0);
  const byColumn = x.transpose();
  const { indptr, indices, values } = x;
  for (let i = 0; i < n; i++) {
    const outRow = i * n;
    for (let p = byColumn.indptr[i]!; p < byColumn.indptr[i + 1]!; p++) {
      const u = byColumn.indices[p]!;
      const xui = byColumn.values[p]!;
      // Row u's columns are sorted: the lower triangle (j ≤ i) is a prefix.
      for (let q = indptr[u]!, end = indptr[u + 1]!; q < end; q++) {
        const j = indices[q]!;
        if (j > i) break;
        out[outRow + j] += xui * values[q]!;
      }
    }
    if ((i + 1) % ROWS_PER_STEP === 0 && i + 1 < n) yield { phase: 'gram', done: i + 1, total: n };
  }
  mirrorLowerToUpper(out, n);
  yield { phase: 'gram', done: n, total: n };
}

/** XᵀX as a dense nCols × nCols row-major Float64Array. */
export function gramMatrix(x: CsrMatrix): Float64Array {
  const out = allocateDenseSquare(x.nCols, 'the Gram matrix');
  runToCompletion(gramSteps(x, out));
  return out;
}
