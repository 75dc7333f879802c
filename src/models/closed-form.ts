/**
 * The closed form the linear autoencoders share (EASE, EDLAE/DLAE): the Gram matrix
 * G = XᵀX of the training interactions, a per-item regulariser added to its diagonal,
 * and P = (G + Λ)⁻¹ — LAPACK on the native engine, the blocked Cholesky of
 * src/engine/linalg on the reference — with progress, cancellation and a clear error
 * when G + Λ is not positive definite.
 */
import type { CsrMatrix } from '../data/csr.js';
import { getBackend } from '../engine/index.js';
import { NotPositiveDefiniteError } from '../engine/linalg/cholesky.js';
import { allocateDenseSquare, gramSteps } from '../engine/linalg/gram.js';
import { spdInverseSteps } from '../engine/linalg/spd-inverse.js';
import type { FitContext } from './model.js';
import { driveSteps } from './model-support.js';

/**
 * P = (XᵀX + Λ)⁻¹ as a dense row-major float64 nItems² matrix, Λ = diag(regulariser(i, G_ii)).
 * `notPositiveDefinite(item)` words the error for the model when the inverse fails.
 */
export async function regularisedGramInverse(
  modelName: string,
  train: CsrMatrix,
  regulariser: (item: number, gramDiagonal: number) => number,
  context: FitContext | undefined,
  notPositiveDefinite: (pivotIndex: number) => string,
): Promise<Float64Array> {
  const n = train.nCols;
  const gram = allocateDenseSquare(n, `${modelName} on ${n} items`);
  await driveSteps(gramSteps(train, gram), context);
  for (let i = 0; i < n; i++) gram[i * n + i] += regulariser(i, gram[i * n + i]!);
  const backend = getBackend();
  try {
    if (backend.name === 'native') {
      // One LAPACK call (dpotrf + dpotri on OpenBLAS's threads): no progress inside it, so
      // give pending timers (a timeout signal) a turn and check for cancellation first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      context?.signal?.throwIfAborted();
      context?.onProgress?.({ phase: 'inverse', done: 0, total: n });
      backend.spdInverse(gram, n);
      context?.onProgress?.({ phase: 'inverse', done: n, total: n });
    } else {
      await driveSteps(spdInverseSteps(gram, n), context);
    }
  } catch (e) {
    if (!(e instanceof NotPositiveDefiniteError)) throw e;
    throw new Error(notPositiveDefinite(e.pivotIndex), { cause: e });
  }
  return gram;
}

/**
 * The zero-diagonal solution of EASE (Steck 2019, eq. 8) and full-rank EDLAE (Steck 2020):
 * B = I − P·diagMat(1 ⊘ diag(P)), i.e. B_ij = −P_ij / P_jj for i ≠ j and B_jj = 0, as float32.
 */
export function zeroDiagonalWeights(inverse: Float64Array, n: number): Float32Array {
  const negatedReciprocalDiagonal = new Float64Array(n);
  for (let j = 0; j < n; j++) negatedReciprocalDiagonal[j] = -1 / inverse[j * n + j]!;
  const weights = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) weights[row + j] = inverse[row + j]! * negatedReciprocalDiagonal[j]!;
    weights[row + i] = 0;
  }
  return weights;
}
