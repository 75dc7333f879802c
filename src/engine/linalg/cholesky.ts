/**
 * Blocked Cholesky factorisation A = L·Lᵀ of a symmetric positive definite
 * matrix, in place, for dense row-major n × n Float64Array storage.
 *
 * Right-looking block algorithm (Golub & Van Loan, Matrix Computations,
 * 4th ed., Alg. 4.2.2 in block form): for each column block [k0, k1),
 * factor the diagonal block, solve the panel below it against that block,
 * then subtract the panel's outer product from the trailing lower triangle.
 * The trailing update holds nearly all n³/6 multiply-adds and runs on the
 * packed-panel kernel of panel-kernels.ts.
 */
import {
  accumulatePanelProductsLower,
  packPanel,
  solveRowsAgainstLowerBlock,
} from './panel-kernels.js';
import { runToCompletion, type BlockSteps } from './steps.js';

/** Columns per block: wide enough for the kernel to run at speed, narrow enough that the scalar in-block work stays small. */
export const DEFAULT_BLOCK_SIZE = 96;

export class NotPositiveDefiniteError extends Error {
  constructor(
    /** Row/column at which elimination met a non-positive pivot. */
    readonly pivotIndex: number,
    /** The pivot value (≤ 0, infinite or NaN). */
    readonly pivotValue: number,
    readonly size: number,
  ) {
    super(
      `matrix (${size} × ${size}) is not positive definite: pivot ${pivotIndex} is ${pivotValue} after elimination ` +
        `(its leading ${pivotIndex + 1} × ${pivotIndex + 1} block is not positive definite; ` +
        `a ridge term on the diagonal, e.g. a larger regularisation, makes it so)`,
    );
    this.name = 'NotPositiveDefiniteError';
  }
}

export function checkSquare(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`matrix size must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) throw new RangeError(`expected an ${n} × ${n} matrix (${n * n} values), got ${a.length} values`);
}

/**
 * Factors a = L·Lᵀ in place, yielding after each column block. Reads only the
 * lower triangle (diagonal included) of `a` and overwrites it with L; the
 * strict upper triangle is left untouched. Throws NotPositiveDefiniteError
 * when a pivot is not positive (or NaN).
 */
export function* choleskySteps(a: Float64Array, n: number, blockSize = DEFAULT_BLOCK_SIZE): BlockSteps {
  checkSquare(a, n);
  const inverseDiagonal = new Float64Array(n);
  const panel = new Float64Array(n * Math.min(blockSize, Math.max(n, 1)));
  for (let k0 = 0; k0 < n; k0 += blockSize) {
    const k1 = Math.min(k0 + blockSize, n);
    factorDiagonalBlock(a, n, k0, k1, inverseDiagonal);
    solveRowsAgainstLowerBlock(a, n, k1, n, k0, k1, inverseDiagonal);
    if (k1 < n) {
      const w = k1 - k0;
      packPanel(a, n, k1, n, k0, k1, panel, k1, false);
      accumulatePanelProductsLower(a, n, panel, w, k1, k1, n, -1);
    }
    yield { phase: 'cholesky', done: k1, total: n };
  }
}

/** Factors a = L·Lᵀ in place (lower triangle); see choleskySteps. */
export function choleskyInPlace(a: Float64Array, n: number, blockSize = DEFAULT_BLOCK_SIZE): void {
  runToCompletion(choleskySteps(a, n, blockSize));
}

/** Unblocked Cholesky of the diagonal block [k0, k1)², whose trailing updates are already applied. */
function factorDiagonalBlock(a: Float64Array, n: number, k0: number, k1: number, inverseDiagonal: Float64Array): void {
  for (let i = k0; i < k1; i++) {
    const row = i * n;
    for (let j = k0; j <= i; j++) {
      const other = j * n;
      let s = a[row + j]!;
      for (let k = k0; k < j; k++) s -= a[row + k]! * a[other + k]!;
      if (j < i) {
        a[row + j] = s * inverseDiagonal[j]!;
      } else {
        if (!(s > 0 && s < Infinity)) throw new NotPositiveDefiniteError(i, s, n);
        const pivot = Math.sqrt(s);
        a[row + i] = pivot;
        inverseDiagonal[i] = 1 / pivot;
      }
    }
  }
}
