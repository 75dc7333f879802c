/**
 * Inverse of a symmetric positive definite matrix through its Cholesky
 * factor, in place, dense row-major n × n Float64Array.
 *
 *   A = L·Lᵀ  ⇒  A⁻¹ = L⁻ᵀ·L⁻¹ = W·Wᵀ  with  W = L⁻ᵀ (upper triangular).
 *
 * Three phases of about n³/6 multiply-adds each (the cost of LAPACK's
 * dpotrf + dpotri):
 *  1. Cholesky: L in the lower triangle (cholesky.ts).
 *  2. W = L⁻ᵀ, row by row from W·Lᵀ = I: for i > j,
 *       W[j][i] = −(Σ_{k ∈ [j, i)} W[j][k] · L[i][k]) / L[i][i],  W[j][j] = 1 / L[j][j].
 *     W lives in the upper triangle, beside L in the lower one, with L's
 *     diagonal kept aside. Blocked by columns of W: a triangular solve inside
 *     the block, then the block's contribution to all later columns.
 *  3. A⁻¹ = W·Wᵀ: (A⁻¹)[i][j] = Σ_{k ≥ max(i, j)} W[i][k] · W[j][k], accumulated
 *     block of k by block of k into the lower triangle (where L is no longer needed),
 *     then mirrored to the upper one.
 * Every product of row segments runs on the packed-panel kernel, so that all
 * three phases use contiguous memory and the same register-blocked loop.
 */
import { checkSquare, choleskySteps, DEFAULT_BLOCK_SIZE } from './cholesky.js';
import {
  accumulatePanelProductsLower,
  accumulatePanelProductsTiled,
  mirrorLowerToUpper,
  packPanel,
  solveRowsAgainstLowerBlock,
} from './panel-kernels.js';
import { runToCompletion, type BlockSteps } from './steps.js';

/**
 * Replaces the symmetric positive definite matrix `a` by its inverse,
 * yielding after each column block of each phase ('cholesky', 'inverse',
 * 'product'). Only the lower triangle of the input is read; the result is
 * full and symmetric. Throws NotPositiveDefiniteError (from the Cholesky
 * phase) when `a` is not positive definite; `a` is then partly overwritten.
 */
export function* spdInverseSteps(a: Float64Array, n: number, blockSize = DEFAULT_BLOCK_SIZE): BlockSteps {
  checkSquare(a, n);
  yield* choleskySteps(a, n, blockSize);
  const panel = new Float64Array(n * Math.min(blockSize, Math.max(n, 1)));
  yield* invertCholeskyFactorTranspose(a, n, blockSize, panel);
  yield* multiplyByOwnTranspose(a, n, blockSize, panel);
  mirrorLowerToUpper(a, n);
}

/** Replaces the symmetric positive definite matrix `a` by its inverse; see spdInverseSteps. */
export function invertSpdInPlace(a: Float64Array, n: number, blockSize = DEFAULT_BLOCK_SIZE): void {
  runToCompletion(spdInverseSteps(a, n, blockSize));
}

/** Phase 2: with L in the lower triangle, writes W = L⁻ᵀ into the upper triangle (diagonal included). */
function* invertCholeskyFactorTranspose(a: Float64Array, n: number, blockSize: number, panel: Float64Array): BlockSteps {
  const inverseDiagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    inverseDiagonal[i] = 1 / a[i * n + i]!;
    // The strict upper triangle holds the input's upper half: clear it, W's entries accumulate there.
    a.fill(0, i * n + i + 1, (i + 1) * n);
    a[i * n + i] = inverseDiagonal[i]!;
  }
  for (let k0 = 0; k0 < n; k0 += blockSize) {
    const k1 = Math.min(k0 + blockSize, n);
    // Columns [k0, k1) of W. Rows above the block: a[j][i] holds −Σ_{k < k0} W[j][k]·L[i][k]
    // from earlier blocks, so the remaining terms are a triangular solve against L's diagonal block.
    solveRowsAgainstLowerBlock(a, n, 0, k0, k0, k1, inverseDiagonal);
    // Rows inside the block: W[j][k] = 0 for k < j, so their sums start at k = j.
    for (let j = k0; j < k1; j++) {
      const row = j * n;
      for (let i = j + 1; i < k1; i++) {
        const l = i * n;
        let s = a[row + i]!;
        for (let k = j; k < i; k++) s -= a[row + k]! * a[l + k]!;
        a[row + i] = s * inverseDiagonal[i]!;
      }
    }
    if (k1 < n) {
      // Contribution of columns [k0, k1) to all later columns: a[j][i] −= W[j][k0..k1) · L[i][k0..k1)
      // for j < k1 ≤ i. Panel rows < k1 are W (zero left of its diagonal), rows ≥ k1 are L.
      const w = k1 - k0;
      packPanel(a, n, 0, k1, k0, k1, panel, 0, true);
      packPanel(a, n, k1, n, k0, k1, panel, 0, false);
      accumulatePanelProductsTiled(a, n, panel, w, 0, 0, k1, k1, n, -1);
    }
    yield { phase: 'inverse', done: k1, total: n };
  }
}

/**
 * Phase 3: with W = L⁻ᵀ in the upper triangle, writes W·Wᵀ into the lower
 * triangle (diagonal included). For the column block [k0, k1) of W, rows
 * r < k1 contribute W[r][k0..k1) (zero left of the diagonal); row r's first
 * contribution comes from the block holding r, whose lower entries are
 * cleared first (they held L, no longer needed; the diagonal held W[r][r],
 * already packed).
 */
function* multiplyByOwnTranspose(a: Float64Array, n: number, blockSize: number, panel: Float64Array): BlockSteps {
  for (let k0 = 0; k0 < n; k0 += blockSize) {
    const k1 = Math.min(k0 + blockSize, n);
    const w = k1 - k0;
    packPanel(a, n, 0, k1, k0, k1, panel, 0, true);
    for (let r = k0; r < k1; r++) a.fill(0, r * n, r * n + r + 1);
    accumulatePanelProductsLower(a, n, panel, w, 0, 0, k1, 1);
    yield { phase: 'product', done: k1, total: n };
  }
}
